"""Outgoing webhooks against a real desk and a real HTTP receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.hook_receiver import HookReceiver
from tests.support.servers import DeskServer


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    started = HookReceiver().start()
    yield started
    started.stop()


@pytest.fixture
def desk(fresh_backend: Backend, tmp_path: Path) -> Iterator[DeskApi]:
    token = prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "desk.log",
                        extra={"TANDEM_HOOK_FIRST_RETRY_SECONDS": "1"}).start()
    api = DeskApi(server.url, token)
    yield api
    api.close()
    server.stop()


def eventually(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


def test_an_event_is_delivered_signed_retried_and_sent_again(
    desk: DeskApi, receiver: HookReceiver,
) -> None:
    made = desk.http.post("/api/hooks", headers=desk.admin, json={
        "url": receiver.url, "event_types": ["thread.opened"]})
    assert made.status_code == 201, made.text
    hook = made.json()
    receiver.secret = hook["secret"]
    receiver.fail(1, 503)

    channel = desk.webhook_channel()
    desk.ingest(channel, item("hook me"))

    def log() -> list[dict[str, Any]]:
        answer = desk.http.get(f"/api/hooks/{hook['id']}/deliveries", headers=desk.admin)
        assert answer.status_code == 200, answer.text
        return answer.json()["deliveries"]

    delivered = eventually(lambda: [d for d in log() if d["status"] == "delivered"],
                           "a delivery after the retry")
    [delivery] = delivered
    assert delivery["event_type"] == "thread.opened"
    assert [a["status_code"] for a in delivery["attempts"]] == [503, 200]
    assert "scripted 503" in delivery["attempts"][0]["answer"]
    assert delivery["body"]["data"]["card"]["excerpt"] == "hook me"

    sent = receiver.requests()
    assert [r["key"] for r in sent] == [delivery["idempotency_key"]] * 2
    assert all(r["signed"] and r["event"] == "thread.opened" for r in sent)
    assert sent[0]["body"] == sent[1]["body"]
    assert sent[0]["body"]["id"] == delivery["idempotency_key"]
    # Only what was subscribed: the message.added of the same item never left.
    assert {r["body"]["type"] for r in sent} == {"thread.opened"}

    again = desk.http.post(f"/api/hooks/deliveries/{delivery['id']}/send-again",
                           headers=desk.admin)
    assert again.status_code == 200, again.text
    eventually(lambda: len(receiver.requests()) == 3, "the delivery sent again")
    assert receiver.requests()[2]["key"] == delivery["idempotency_key"]
    eventually(lambda: len(log()[0]["attempts"]) == 3 and log()[0]["status"] == "delivered",
               "the third attempt in the log")


def test_bad_subscriptions_are_refused_and_change_nothing(desk: DeskApi) -> None:
    unknown = desk.http.post("/api/hooks", headers=desk.admin, json={
        "url": "https://crm.example.com/in", "event_types": ["thread.exploded"]})
    assert unknown.status_code == 400
    assert "thread.exploded" in unknown.json()["error"]["message"]
    not_http = desk.http.post("/api/hooks", headers=desk.admin, json={
        "url": "ftp://crm.example.com/in", "event_types": ["thread.opened"]})
    assert not_http.status_code == 400
    listed = desk.http.get("/api/hooks", headers=desk.admin).json()
    assert listed["hooks"] == []
    assert "thread.opened" in listed["event_types"]
    agent = desk.person()
    assert desk.call(agent, "GET", "/api/hooks").status_code == 403
