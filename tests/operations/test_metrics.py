"""GET /metrics on a real desk of two worker processes, read with Prometheus's own parser."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

TOKEN = "metrics-token-for-the-scraper-0123456789"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def desk(fresh_backend: Backend, tmp_path: Path) -> Iterator[DeskApi]:
    token = prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "desk.log", workers=2,
                        extra={"TANDEM_METRICS_TOKEN": TOKEN}).start()
    api = DeskApi(server.url, token)
    yield api
    api.close()
    server.stop()


def scrape(api: DeskApi) -> Samples:
    answer = api.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and set(labels.items()) <= set(ls))


async def settle(api: DeskApi, check, what: str) -> Samples:
    """Scrape until `check` holds (a worker writes its figures as things happen)."""
    for _ in range(100):
        samples = scrape(api)
        if check(samples):
            return samples
        await asyncio.sleep(0.1)
    raise AssertionError(f"/metrics never showed {what}: {samples}")


def test_metrics_need_the_token(desk: DeskApi) -> None:
    assert desk.http.get("/metrics").status_code == 401
    wrong = desk.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Bearer")


async def test_metrics_add_up_across_two_workers(desk: DeskApi) -> None:
    # The server answers once one worker has started; the other may take a moment longer.
    await settle(desk, lambda s: value(s, "tandem_worker_processes") == 2, "both workers")
    people = [desk.person() for _ in range(2)]
    channel = desk.webhook_channel()
    boards = [LiveBoard(desk.url, people[n % 2].token) for n in range(6)]
    for board in boards:
        assert (await board.connect(since=desk.threads(people[0])["seq"]))["ok"]

    # Whichever worker answers, it reports both workers and every connection.
    for _ in range(8):
        samples = scrape(desk)
        assert value(samples, "tandem_worker_processes") == 2
        assert value(samples, "tandem_live_connections") == 6

    desk.ingest(channel, item("metrics one"), item("metrics two"), item("metrics three"))
    samples = await settle(
        desk, lambda s: value(s, "tandem_fanout_lag_seconds_count") > 0, "a fan-out"
    )
    assert value(samples, "tandem_ingested_items_total") == 3
    assert value(samples, "tandem_events_total") >= 3
    assert value(samples, "tandem_ingest_queue_items") == 0
    assert value(samples, "tandem_outbox_items") == 0
    assert value(samples, "tandem_outbox_oldest_age_seconds") == 0
    webhook_route = [ls for n, ls in samples if n == "tandem_http_request_duration_seconds_count"
                     and ("route", "/webhooks/generic/{channel_id:int}") in ls]
    assert webhook_route, "the webhook's requests are timed under the route's pattern"

    thread = desk.thread_by_text(people[0], "metrics one")
    first = desk.call(people[0], "POST", f"/api/threads/{thread['id']}/claim")
    second = desk.call(people[1], "POST", f"/api/threads/{thread['id']}/claim")
    assert (first.status_code, second.status_code) == (200, 409)
    assert value(scrape(desk), "tandem_claim_conflicts_total") == 1

    await asyncio.gather(*(b.disconnect() for b in boards))
    await settle(desk, lambda s: value(s, "tandem_live_connections") == 0, "no connections")


def test_metrics_are_off_without_a_token_or_the_setting(
    fresh_backend: Backend, tmp_path: Path
) -> None:
    prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "off.log").start()
    try:
        assert httpx.get(server.url + "/metrics").status_code == 404
    finally:
        server.stop()
