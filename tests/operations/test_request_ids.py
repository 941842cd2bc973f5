"""The request id: from the HTTP request or socket command into the JSON logs and the audit."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from channels.webhook import sign
from tests.conftest import prepare
from tests.faults.rows import query
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


@pytest.fixture
def desk(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, Path, str]]:
    token = prepare(fresh_backend)
    log = tmp_path / "desk.log"
    server = DeskServer(fresh_backend.env(), log,
                        extra={"TANDEM_LOG_FORMAT": "json", "TANDEM_LOG_LEVEL": "info"}).start()
    api = DeskApi(server.url, token)
    yield api, log, fresh_backend.database_url
    api.close()
    server.stop()


def json_lines(log: Path) -> list[dict]:
    lines = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def logged(log: Path, check: Callable[[dict], bool]) -> bool:
    """Whether a JSON line passes `check`; the access line follows the answer, so wait."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(check(line) for line in json_lines(log)):
            return True
        time.sleep(0.1)
    return False


def audit_request_ids(database_url: str, action: str) -> list[str | None]:
    return [row[0] for row in query(
        database_url, "SELECT request_id FROM audit_entry WHERE action = :action ORDER BY id",
        action=action)]


def test_an_http_request_id_reaches_the_answer_the_log_and_the_audit(
    desk: tuple[DeskApi, Path, str],
) -> None:
    api, log, database_url = desk
    answer = api.http.post("/api/channels", headers={**api.admin, "X-Request-ID": "crm-4711.a"},
                           json={"network": "webhook", "name": "Traced"})
    assert answer.status_code == 201, answer.text
    assert answer.headers["x-request-id"] == "crm-4711.a"
    assert audit_request_ids(database_url, "channel.add") == ["crm-4711.a"]

    # Not a plain token: the desk makes its own id instead.
    odd = api.http.get("/healthz", headers={"X-Request-ID": "x" * 65})
    made = odd.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)

    assert logged(log, lambda line: line.get("request_id") == "crm-4711.a"
                  and line["logger"] == "tandem.http" and line["path"] == "/api/channels"
                  and line["status"] == 201 and line["level"] == "INFO")
    assert logged(log, lambda line: line.get("request_id") == made
                  and line.get("path") == "/healthz")


async def test_a_webhook_and_a_socket_command_carry_their_ids_into_the_audit(
    desk: tuple[DeskApi, Path, str],
) -> None:
    api, _, database_url = desk
    channel = api.webhook_channel()
    person = api.person()
    body = json.dumps([item("trace me")]).encode()
    stamp = str(int(time.time()))
    answer = api.http.post(f"/webhooks/generic/{channel.id}", content=body, headers={
        "Content-Type": "application/json", "X-Request-ID": "hook-1",
        "X-Tandem-Timestamp": stamp, "X-Tandem-Signature": sign(channel.secret, stamp, body),
    })
    assert answer.status_code == 200, answer.text
    assert audit_request_ids(database_url, "message.received") == ["hook-1"]

    thread = api.thread_by_text(person, "trace me")
    board = LiveBoard(api.url, person.token)
    await board.connect()
    claimed = await board.call("claim", {"thread_id": thread["id"], "request_id": "sock-9"})
    await board.disconnect()
    assert claimed["ok"], claimed
    assert audit_request_ids(database_url, "thread.claim") == ["sock-9"]
