"""PostgreSQL stopped for 15 s under a running desk: 503 with Retry-After, then recovery.

The cluster is the test's own (tests/faults/services.py). While it is down every webhook
and REST call answers 503 JSON with Retry-After on the same kept-alive connection (a
response that ends the connection says `Connection: close`); afterwards the sender's
retries are stored once each, the desk was never restarted, and nothing is half-written.
"""

from __future__ import annotations

import http.client
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from channels.webhook import sign
from tests.conftest import prepare
from tests.faults.rows import query
from tests.faults.services import ThrowawayPostgres
from tests.support.backends import REDIS_URL, Backend
from tests.support.desk_api import DeskApi, WebhookChannel, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.pg_redis

DOWN_SECONDS = 15


@pytest.fixture
def own_cluster() -> Iterator[ThrowawayPostgres]:
    cluster = ThrowawayPostgres().create()
    yield cluster
    cluster.remove()


def webhook(http: httpx.Client, channel: WebhookChannel, sent: dict) -> httpx.Response:
    body = json.dumps(sent).encode()
    stamp = str(int(time.time()))
    return http.post(f"/webhooks/generic/{channel.id}", content=body, headers={
        "Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
        "X-Tandem-Signature": sign(channel.secret, stamp, body)})


def plain_client_calls(port: int, token: str) -> list[int]:
    """Four calls on one http.client connection: it reconnects only when told
    `Connection: close`, so a connection dropped unannounced fails here."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    statuses = []
    try:
        for _ in range(2):
            for path in ("/api/threads", "/api/me"):
                connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                answer = connection.getresponse()
                answer.read()
                statuses.append(answer.status)
    finally:
        connection.close()
    return statuses


def assert_unavailable(answer: httpx.Response) -> None:
    """503 with Retry-After in the documented shape: the webhooks' one line of text, the
    API's {code, message}."""
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    error = answer.json()["error"]
    if answer.request.url.path.startswith("/webhooks/"):
        assert isinstance(error, str) and error
    else:
        assert error["code"] == "unavailable"


def test_the_desk_answers_503_while_postgres_is_down_and_recovers(
    own_cluster: ThrowawayPostgres, tmp_path: Path,
) -> None:
    redis_url = f"{REDIS_URL}/{secrets.randbelow(15) + 1}"
    backend = Backend("postgres", own_cluster.url, redis_url)
    token = prepare(backend)
    desk = DeskServer(backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(desk.url, token)
    # One client, one kept-alive connection: a server that drops it unannounced fails here.
    sender = httpx.Client(base_url=desk.url, timeout=10,
                          limits=httpx.Limits(max_connections=1))
    try:
        channel = api.webhook_channel("Outage")
        acknowledged = []
        first = item("before the outage")
        assert webhook(sender, channel, first).status_code == 200
        acknowledged.append(first["id"])

        own_cluster.stop()
        refused = []
        down_until = time.monotonic() + DOWN_SECONDS
        while time.monotonic() < down_until:
            sent = item("during the outage")
            answer = webhook(sender, channel, sent)
            assert_unavailable(answer)
            refused.append(sent)
            assert_unavailable(sender.get("/api/threads", headers=api.admin))
            unknown = sender.get("/api/no-such-path", headers=api.admin)
            assert unknown.status_code in (404, 503) and "error" in unknown.json()
            assert plain_client_calls(desk.port, token) == [503] * 4
            ready = sender.get("/readyz")
            assert ready.status_code == 503 and "database" in ready.json()["problems"]
            time.sleep(0.5)
        own_cluster.start()

        # The network sends again what was refused; the desk was not restarted.
        for sent in [*refused, item("after the outage")]:
            deadline = time.monotonic() + 20
            while (answer := webhook(sender, channel, sent)).status_code == 503:
                assert time.monotonic() < deadline, "the desk did not recover"
                time.sleep(0.2)
            assert answer.status_code == 200, answer.text
            acknowledged.append(sent["id"])
        assert sender.get("/readyz").json()["status"] == "ready"
        assert sender.get("/api/threads", headers=api.admin).json()["threads"]

        rows = query(own_cluster.url, "SELECT m.external_id, "
                     "(SELECT count(*) FROM event e WHERE e.thread_id = m.thread_id) "
                     "FROM message m WHERE m.channel_id = :channel", channel=channel.id)
        stored = [external_id for external_id, _ in rows]
        assert sorted(stored) == sorted(acknowledged)  # each once, none half-written
        assert all(events > 0 for _, events in rows)
        assert len(refused) >= 10
    finally:
        sender.close()
        api.close()
        desk.stop()
