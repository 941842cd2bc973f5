"""The board is a function of its events: snapshot, act, apply the events, compare.

Every action runs against a real server; the events a board receives are validated against
their registered types and applied the way the browser applies them (replace the card).
Together the actions here must exercise every registered event type.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from server.events import EVENT_TYPES, parse_event
from server.incidents.grouping import SEED_SIZE
from tests.customers.desk import customer_actions
from tests.drafts.peer import invite_and_take_back
from tests.fakes.desk import escalation_actions
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.realtime.routing_actions import routing_actions
from tests.replies.desk import newest_message, reply_state, until, write_draft
from tests.support.backends import Backend
from tests.support.captured import apply
from tests.support.desk_api import DeskApi, Person, WebhookChannel, item
from tests.support.listening import listening_actions
from tests.support.live import LiveBoard
from tests.support.publishing import publishing_actions
from tests.support.servers import DeskServer

Board = dict[int, dict[str, Any]]


def snapshot(api: DeskApi, person: Person) -> tuple[int, Board]:
    data = api.threads(person, status="all", limit=5000)
    return data["seq"], {card["id"]: card for card in data["threads"]}


async def check_action(
    server: DeskServer, api: DeskApi, person: Person, act: Callable[[], Awaitable[Any]],
) -> set[str]:
    seq, before = snapshot(api, person)
    board = LiveBoard(server.url, person.token)
    assert (await board.connect(since=seq))["ok"]
    await act()
    # The action's events have arrived once the board has caught up with the server.
    target = api.threads(person)["seq"]
    await board.wait_for(lambda b: b.seq >= target, what=f"events up to {target}")
    await asyncio.sleep(0.2)
    await board.disconnect()
    for event in board.events:
        parse_event(event["type"], event["payload"])  # raises on unknown fields or types
    _, fresh = snapshot(api, person)
    assert apply(before, board.events) == fresh
    return {e["type"] for e in board.events}


async def test_every_action_keeps_the_board_true(
    server: DeskServer, api: DeskApi, fake_meta: FakeMeta, fake_x: FakeX, backend: Backend
) -> None:
    supervisor, agent = api.person("supervisor"), api.person()
    channel: WebhookChannel = api.webhook_channel()
    api.ingest(channel, item("baseline thread", thread="conversation-1"))
    base = api.thread_by_text(supervisor, "baseline thread")
    seen: set[str] = set()

    async def rest(person: Person, method: str, path: str, **body: Any) -> None:
        response = api.call(person, method, path, json=body)
        assert response.status_code == 200, response.text

    async def socket(person: Person, command: str, **data: Any) -> None:
        board = LiveBoard(server.url, person.token)
        await board.connect()
        answer = await board.call(command, data)
        await board.disconnect()
        assert answer["ok"], answer

    api.ingest(channel, item("erase me, please", author={"id": "er-1", "name": "Erin Erase"}))
    to_erase = api.thread_by_text(supervisor, "erase me, please")["customer_id"]

    async def erase() -> None:
        answer = await asyncio.to_thread(
            api.http.post, f"/api/customers/{to_erase}/erase", headers=api.admin,
            json={"confirm": True})
        assert answer.status_code == 200, answer.text

    tid = base["id"]
    actions: list[tuple[Person, Callable[[], Awaitable[Any]]]] = [
        (supervisor, lambda: asyncio.to_thread(api.ingest, channel, item("a brand new post"))),
        (supervisor, lambda: asyncio.to_thread(
            api.ingest, channel, item("a reply in the thread", thread="conversation-1"))),
        (supervisor, lambda: rest(agent, "POST", f"/api/threads/{tid}/claim")),
        (supervisor, lambda: socket(supervisor, "claim", thread_id=tid, take_over=True)),
        (supervisor, lambda: socket(supervisor, "release", thread_id=tid)),
        (supervisor, lambda: rest(supervisor, "POST", f"/api/threads/{tid}/assign",
                                  user_id=agent.id)),
        (supervisor, lambda: rest(agent, "PATCH", f"/api/threads/{tid}", status="pending",
                                  tags=["Billing", "outage"], priority="high")),
        (supervisor, lambda: socket(agent, "update", thread_id=tid, status="resolved")),
        (supervisor, lambda: rest(supervisor, "POST", "/api/bulk/priority", thread_ids=[tid],
                                  priority="urgent")),
        (supervisor, lambda: invite_and_take_back(server.url, supervisor, agent, tid)),
        *answering_actions(server, api, supervisor, agent, channel, socket),
        *escalation_actions(api, agent, supervisor, fake_meta),
        *customer_actions(api, agent, channel),
        # Near-duplicate complaints open an incident: its event names it on their cards.
        (supervisor, lambda: asyncio.to_thread(api.ingest, channel, *(
            item("Doppelte Abbuchung vom Konto, Lastschrift zweimal eingezogen")
            for _ in range(SEED_SIZE)))),
        *listening_actions(api, fake_x),
        *routing_actions(api, backend, supervisor, agent, channel, socket),
        *publishing_actions(api, fake_x),
        (supervisor, erase),
    ]
    for person, act in actions:
        seen |= await check_action(server, api, person, act)

    assert seen == set(EVENT_TYPES), f"never exercised: {set(EVENT_TYPES) - seen}"


def answering_actions(
    server: DeskServer, api: DeskApi, supervisor: Person, agent: Person, channel: WebhookChannel,
    socket: Callable[..., Awaitable[None]],
) -> list[tuple[Person, Callable[[], Awaitable[Any]]]]:
    """Notes, submit, hand-over, reject, approve with a correction and its confirmation, a
    failed send and its retry, crisis.

    Each runs with the board of the person its personal events are for. The channel has
    no reply_url, so the approved reply fails to send (a failure is a delivery event too).
    """
    colleague = api.person("supervisor")
    api.ingest(channel, item("a question to answer", thread="conversation-2"))
    tid = api.thread_by_text(agent, "a question to answer")["id"]

    async def created(person: Person, path: str, **body: Any) -> Any:
        response = await asyncio.to_thread(api.call, person, "POST", path, json=body)
        assert response.is_success, response.text
        return response.json()

    async def submit_draft(text: str) -> None:
        await write_draft(server.url, api, agent, tid, text)
        seen = await asyncio.to_thread(newest_message, api, agent, tid)
        await socket(agent, "reply.submit", thread_id=tid, seen_upto=seen)

    def approval_id() -> int:
        return reply_state(api, agent, tid)["approval"]["id"]

    async def failed_then_retried() -> None:
        def failed() -> int | None:
            found = [d["message_id"] for d in reply_state(api, agent, tid)["deliveries"]
                     if d["status"] == "failed"]
            return found[0] if found else None

        await socket(agent, "reply.retry", message_id=await until(failed, "a failed send"))

    return [
        (supervisor, lambda: created(agent, f"/api/threads/{tid}/notes",
                                     text=f"@{supervisor.name} please look")),
        (agent, lambda: submit_draft("Thanks, we are on it!!!")),
        (colleague, lambda: created(supervisor, f"/api/approvals/{approval_id()}/hand-over",
                                    user_id=colleague.id)),
        (agent, lambda: socket(supervisor, "reply.reject", approval_id=approval_id(),
                               comment="Fewer exclamation marks, please.")),
        (agent, lambda: created(agent, f"/api/threads/{tid}/reply/submit",
                                seen_upto=newest_message(api, agent, tid))),
        (agent, lambda: created(supervisor, f"/api/approvals/{approval_id()}/approve",
                                text="Thanks, we are on it.")),
        # The correction goes out once an author confirms it.
        (agent, lambda: created(agent, f"/api/approvals/{approval_id()}/confirm",
                                seen_upto=newest_message(api, agent, tid))),
        (agent, failed_then_retried),
        (supervisor, lambda: socket(supervisor, "crisis.set", on=True, message="outage")),
        (supervisor, lambda: socket(supervisor, "crisis.set", on=False)),
    ]
