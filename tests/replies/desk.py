"""Answering as a test does it: channels that send to the fake network, drafts typed over
the real co-editing protocol (pycrdt speaks Yjs, as the browser does), polling the API."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
import socketio
from pycrdt import Doc, Text

from tests.support.desk_api import DeskApi, Person, WebhookChannel, item
from tests.support.fake_reply_endpoint import FakeReplyEndpoint


@dataclass(frozen=True)
class Conversation:
    channel: WebhookChannel
    key: str  # the thread's external key, as the network knows it
    thread_id: int


def reply_channel(api: DeskApi, network: FakeReplyEndpoint) -> WebhookChannel:
    """A webhook channel whose replies go to the fake network (which checks its secret)."""
    name = "ch-" + secrets.token_hex(4)
    response = api.http.post("/api/channels", headers=api.admin, json={
        "network": "webhook", "name": name, "reply_url": f"{network.url}/replies/{name}",
    })
    assert response.status_code == 201, response.text
    data = response.json()
    network.address(name, data["secret"])
    return WebhookChannel(data["id"], data["secret"])


def conversation(api: DeskApi, channel: WebhookChannel, person: Person, text: str,
                 visibility: str = "public") -> Conversation:
    key = "post-" + secrets.token_hex(4)
    api.ingest(channel, item(text, thread=key, visibility=visibility))
    card = api.thread_by_text(person, text)
    return Conversation(channel, key, card["id"])


def customer_writes(api: DeskApi, talk: Conversation, text: str) -> None:
    api.ingest(talk.channel, item(text, thread=talk.key))


def reply_state(api: DeskApi, person: Person, thread_id: int) -> dict[str, Any]:
    response = api.call(person, "GET", f"/api/threads/{thread_id}/reply")
    assert response.status_code == 200, response.text
    return response.json()["reply"]


def newest_message(api: DeskApi, person: Person, thread_id: int) -> int:
    response = api.call(person, "GET", f"/api/threads/{thread_id}")
    return max(m["id"] for m in response.json()["messages"])


async def write_draft(url: str, api: DeskApi, person: Person, thread_id: int, text: str,
                      seen: int | None = None) -> None:
    """Replace the draft's text as `person`, then wait until the desk has stored it."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth={"token": person.token}, transports=["websocket"],
                         wait_timeout=10)
    try:
        doc: Doc[Text] = Doc()
        body = doc.get("draft", type=Text)
        joined = await client.call(
            "draft.join", {"thread_id": thread_id, "state_vector": doc.get_state()}, timeout=15
        )
        assert joined["ok"] and joined["may_edit"], joined
        doc.apply_update(joined["update"])
        before = doc.get_state()
        if len(body):
            del body[0:len(body)]
        body.insert(0, text)
        sent = await client.call("draft.update", {
            "thread_id": thread_id, "update": doc.get_update(before), "seen_message_id": seen,
        }, timeout=15)
        assert sent["ok"], sent
        await client.call("draft.leave", {"thread_id": thread_id}, timeout=15)
    finally:
        await client.disconnect()
    await until(lambda: reply_state(api, person, thread_id)["text"] == text, "the draft saved")


async def until(check: Any, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await asyncio.to_thread(check)
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def post(api: DeskApi, person: Person, path: str, **body: Any) -> httpx.Response:
    return api.call(person, "POST", path, json=body)


def submit(api: DeskApi, person: Person, thread_id: int, **body: Any) -> httpx.Response:
    """Submit as the page does: saying what it shows, unless the test says otherwise."""
    if "seen_upto" not in body and "confirm_seen_upto" not in body:
        body["seen_upto"] = newest_message(api, person, thread_id)
    return post(api, person, f"/api/threads/{thread_id}/reply/submit", **body)


def delivery(api: DeskApi, person: Person, thread_id: int, message_id: int) -> dict[str, Any]:
    found = [d for d in reply_state(api, person, thread_id)["deliveries"]
             if d["message_id"] == message_id]
    return found[0] if found else {}
