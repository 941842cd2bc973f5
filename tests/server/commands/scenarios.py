"""What each state-changing command needs arranged, and the board check itself: snapshot,
act, apply the committed events as a board does, compare with a fresh snapshot.

Used per command by test_board_follows_events.py, and as one sequence through the board
page's own reducer in Chromium by tests/browser/test_board_reducer.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from server.queries.cards import BoardFilter, board_cards
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.captured import Board, apply
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import (
    claimed,
    facebook_comment,
    failed_send,
    new_person,
    newest_message,
    service_account,
    submitted,
    taken_private,
    tweet,
    write_draft,
)

Act = Callable[[], Awaitable[Any]]
Arrange = Callable[[InProcessDesk, "Fakes"], Awaitable[Act]]


@dataclass(frozen=True)
class Fakes:
    """The networks' fakes a scenario may post from."""

    meta: FakeMeta
    x: FakeX


async def snapshot(desk: InProcessDesk) -> Board:
    async with desk.db.read() as session:
        cards = await board_cards(session, await desk.actor(desk.admin),
                                  BoardFilter(status="all", limit=5000))
    return {c.id: c.model_dump(mode="json") for c in cards}


def rest(desk: InProcessDesk, person_key: str, method: str, path: str, **body: Any) -> Act:
    async def act() -> Any:
        return await desk.ok(desk.people[person_key], method, path, json=body or None)
    return act


def command(desk: InProcessDesk, person_key: str, name: str, **data: Any) -> Act:
    async def act() -> Any:
        return await desk.invoke(desk.people[person_key], name, data)
    return act


# -- the scenarios: each arranges, and returns the command's call --------------------------


async def new_thread(desk: InProcessDesk, _: Fakes) -> Act:
    await desk.post("an older thread")

    async def act() -> None:
        assert (await desk.webhook([new_item("a brand new post")])).status_code == 200
    return act


async def message_in_thread(desk: InProcessDesk, _: Fakes) -> Act:
    await desk.post("the first message", thread="conversation-1")

    async def act() -> None:
        later = new_item("a second message", thread="conversation-1")
        assert (await desk.webhook([later])).status_code == 200
    return act


async def claim(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post()
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/claim")


async def take_over(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    return command(desk, "supervisor", "claim", thread_id=card["id"], take_over=True)


async def release(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/release")


async def assign(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post()
    return rest(desk, "supervisor", "POST", f"/api/threads/{card['id']}/assign",
                user_id=desk.agent.id)


async def update(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    return rest(desk, "agent", "PATCH", f"/api/threads/{card['id']}", status="resolved",
                priority="high", tags=["Billing", "outage"])


async def note(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post()
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/notes",
                text="@Sven Supervisor please look")


async def submit_for_approval(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    await write_draft(desk, card["id"], "Thanks, we are on it!!!")
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/reply/submit")


async def submit_and_send(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk, "A private question", visibility="private")
    await write_draft(desk, card["id"], "A private answer")
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/reply/submit")


async def approve(desk: InProcessDesk, _: Fakes) -> Act:
    _, waiting = await submitted(desk, "Thanks, we are on it!!!")
    return rest(desk, "supervisor", "POST", f"/api/approvals/{waiting['approval_id']}/approve",
                text="Thanks, we are on it.")


async def reject(desk: InProcessDesk, _: Fakes) -> Act:
    _, waiting = await submitted(desk)
    return command(desk, "supervisor", "reply.reject", approval_id=waiting["approval_id"],
                   comment="Fewer exclamation marks, please.")


async def withdraw(desk: InProcessDesk, _: Fakes) -> Act:
    _, waiting = await submitted(desk)
    return rest(desk, "agent", "POST", f"/api/approvals/{waiting['approval_id']}/withdraw")


async def retry(desk: InProcessDesk, _: Fakes) -> Act:
    _, message_id = await failed_send(desk)
    return rest(desk, "agent", "POST", f"/api/messages/{message_id}/retry")


async def crisis(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "supervisor", "POST", "/api/crisis", on=True, message="outage")


async def policy(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "supervisor", "PUT", "/api/approval-policy",
                default={"public": False, "private": False})


async def template_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "supervisor", "POST", "/api/templates",
                name=f"Greeting {secrets.token_hex(3)}", language="en",
                body="Hello {customer_name}")


async def template_update(desk: InProcessDesk, _: Fakes) -> Act:
    made = await template_create(desk, _)
    template = (await made())["template"]
    return rest(desk, "supervisor", "PATCH", f"/api/templates/{template['id']}", body="Hi!")


async def template_delete(desk: InProcessDesk, _: Fakes) -> Act:
    template = (await (await template_create(desk, _))())["template"]
    return rest(desk, "supervisor", "DELETE", f"/api/templates/{template['id']}")


async def take_private(desk: InProcessDesk, fakes: Fakes) -> Act:
    card = await facebook_comment(desk, fakes.meta, "My order is late")
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/take-private",
                text="We write to you privately.", holding_reply=True)


async def direct_message(desk: InProcessDesk, fakes: Fakes) -> Act:
    # X answers with a direct message; nothing links the thread afterwards.
    card = await tweet(desk, fakes.x, "Three weeks waiting for the technician")
    return rest(desk, "agent", "POST", f"/api/threads/{card['id']}/take-private",
                text="We write to you by direct message.")


async def back_to_public(desk: InProcessDesk, fakes: Fakes) -> Act:
    _, done = await taken_private(desk, fakes.meta)
    await desk.ok(desk.supervisor, "PUT", "/api/approval-policy",
                  json={"default": {"public": False, "private": False}})
    return rest(desk, "agent", "POST", f"/api/threads/{done['private_thread_id']}/back-to-public",
                text="Solved, thank you.")


async def user_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/users", email=f"{secrets.token_hex(3)}@desk.test",
                name="New Person")


async def user_update(desk: InProcessDesk, _: Fakes) -> Act:
    # They hold a thread: deactivating them leaves its card as it is.
    person = await new_person(desk)
    await claimed(desk, person=person)
    return rest(desk, "admin", "PATCH", f"/api/users/{person.id}", active=False, role="viewer")


async def token_create(desk: InProcessDesk, _: Fakes) -> Act:
    # An admin issues tokens for service accounts only (a person makes their own).
    script = await service_account(desk)
    return rest(desk, "admin", "POST", f"/api/users/{script['id']}/tokens", name="script")


async def token_create_own(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "agent", "POST", "/api/me/tokens", name="my script")


async def channel_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/channels", network="webhook", name="Shop form")


async def draft_invite(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    return command(desk, "agent", "draft.invite", thread_id=card["id"],
                   user_id=desk.colleague.id)


async def draft_uninvite(desk: InProcessDesk, _: Fakes) -> Act:
    card = await claimed(desk)
    await desk.invoke(desk.agent, "draft.invite", {"thread_id": card["id"],
                                                   "user_id": desk.colleague.id})
    return command(desk, "agent", "draft.uninvite", thread_id=card["id"],
                   user_id=desk.colleague.id)


async def approvals_asked(desk: InProcessDesk) -> None:
    """Public replies wait for approval, and the author confirms a correction (the default
    policy; set again because the scenarios also run in a row, after policy.set)."""
    await desk.ok(desk.supervisor, "PUT", "/api/approval-policy", json={
        "default": {"public": True, "private": False}, "corrections": "author"})


async def confirm_correction(desk: InProcessDesk, _: Fakes) -> Act:
    await approvals_asked(desk)
    _, waiting = await submitted(desk, "Thanks, we are on it!!!")
    corrected = await desk.ok(desk.supervisor, "POST",
                              f"/api/approvals/{waiting['approval_id']}/approve",
                              json={"text": "Thanks, we are on it."})
    assert corrected["status"] == "corrected", corrected
    return rest(desk, "agent", "POST", f"/api/approvals/{waiting['approval_id']}/confirm")


async def confirm_held(desk: InProcessDesk, _: Fakes) -> Act:
    # The customer writes again while the reply waits: approving it holds it.
    await approvals_asked(desk)
    conversation = f"conversation-{secrets.token_hex(3)}"
    card, waiting = await submitted(desk, thread=conversation)
    assert (await desk.webhook([new_item("Any news?", thread=conversation)])).status_code == 200
    held = await desk.ok(desk.supervisor, "POST",
                         f"/api/approvals/{waiting['approval_id']}/approve")
    assert held["status"] == "held", held
    return rest(desk, "agent", "POST", f"/api/approvals/{waiting['approval_id']}/confirm",
                seen_upto=await newest_message(desk, card["id"]))


async def hand_over(desk: InProcessDesk, _: Fakes) -> Act:
    await approvals_asked(desk)
    _, waiting = await submitted(desk)
    return rest(desk, "supervisor", "POST", f"/api/approvals/{waiting['approval_id']}/hand-over",
                user_id=desk.admin.id)


async def after_reply_set(desk: InProcessDesk, _: Fakes) -> Act:
    # "pending" is the default: the scenarios after this one answer as before.
    return rest(desk, "supervisor", "PUT", "/api/after-reply", status="pending")


async def customer_update(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post("I am a regular")
    return rest(desk, "agent", "PATCH", f"/api/customers/{card['customer_id']}",
                display_name="Karla Kundin", vip=True, tags=["loyal"], language="de")


async def customer_note(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post()
    return rest(desk, "agent", "POST", f"/api/customers/{card['customer_id']}/notes",
                text="Prefers e-mail.")


async def two_customers(desk: InProcessDesk) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two customers' threads (two authors), the second's claimed by the agent."""
    return await desk.post("Hello from my shop account"), await claimed(desk, "Hello again")


async def customer_merge(desk: InProcessDesk, _: Fakes) -> Act:
    # The merged customer's thread moves: its card shows the customer it moved to.
    staying, merged = await two_customers(desk)
    return rest(desk, "agent", "POST", f"/api/customers/{staying['customer_id']}/merge",
                other_id=merged["customer_id"], reason="the same person")


async def customer_split(desk: InProcessDesk, _: Fakes) -> Act:
    staying, merged = await two_customers(desk)
    done = await desk.ok(desk.agent, "POST", f"/api/customers/{staying['customer_id']}/merge",
                         json={"other_id": merged["customer_id"]})
    return rest(desk, "agent", "POST", f"/api/customers/{staying['customer_id']}/split",
                merge_id=done["merge_id"])


async def attribute_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/customer-attributes",
                key=f"plan_{secrets.token_hex(3)}", label="Plan", kind="choice",
                choices=["basic", "pro"])


async def attribute_update(desk: InProcessDesk, _: Fakes) -> Act:
    made = (await (await attribute_create(desk, _))())["attribute"]
    return rest(desk, "admin", "PATCH", f"/api/customer-attributes/{made['id']}",
                label="Contract", choices=["basic", "pro", "team"])


async def attribute_delete(desk: InProcessDesk, _: Fakes) -> Act:
    made = (await (await attribute_create(desk, _))())["attribute"]
    return rest(desk, "admin", "DELETE", f"/api/customer-attributes/{made['id']}")


async def view_save(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "agent", "POST", "/api/views", name="Overdue", query="clock=overdue")


async def view_delete(desk: InProcessDesk, _: Fakes) -> Act:
    view = (await (await view_save(desk, _))())["view"]
    return rest(desk, "agent", "DELETE", f"/api/views/{view['id']}")


async def bulk_assign(desk: InProcessDesk, _: Fakes) -> Act:
    ids = [(await desk.post(f"Bulk {n} {secrets.token_hex(3)}"))["id"] for n in range(2)]
    return rest(desk, "supervisor", "POST", "/api/bulk/assign", thread_ids=ids,
                user_id=desk.agent.id)


async def bulk_change(desk: InProcessDesk, path: str, **change: Any) -> Act:
    ids = [(await desk.post(f"Bulk {n} {secrets.token_hex(3)}"))["id"] for n in range(2)]
    return rest(desk, "agent", "POST", f"/api/bulk/{path}", thread_ids=ids, **change)


async def bulk_tag(desk: InProcessDesk, _: Fakes) -> Act:
    return await bulk_change(desk, "tag", tags=["outage"])


async def bulk_priority(desk: InProcessDesk, _: Fakes) -> Act:
    return await bulk_change(desk, "priority", priority="urgent")


async def bulk_status(desk: InProcessDesk, _: Fakes) -> Act:
    return await bulk_change(desk, "status", status="resolved")


async def release_all(desk: InProcessDesk, _: Fakes) -> Act:
    await claimed(desk, f"Erste {secrets.token_hex(3)}")
    await claimed(desk, f"Zweite {secrets.token_hex(3)}")
    return rest(desk, "agent", "POST", "/api/me/claims/release")


# Keyed by command (after a slash: which case of it); webhooks are the ingest command.
SCENARIOS: dict[str, Arrange] = {
    "ingest/new thread": new_thread, "ingest/message in a thread": message_in_thread,
    "claim": claim, "claim/take over": take_over, "release": release, "assign": assign,
    "update": update, "note.add": note, "reply.submit/for approval": submit_for_approval,
    "reply.submit/sent at once": submit_and_send, "reply.approve": approve,
    "reply.reject": reject, "reply.withdraw": withdraw, "reply.retry": retry,
    "crisis.set": crisis, "policy.set": policy, "template.create": template_create,
    "template.update": template_update, "template.delete": template_delete,
    "take_private": take_private, "take_private/on X": direct_message,
    "back_to_public": back_to_public,
    "user.create": user_create, "user.update": user_update, "token.create": token_create,
    "token.create_own": token_create_own,
    "channel.create": channel_create, "draft.invite": draft_invite,
    "draft.uninvite": draft_uninvite,
    "reply.confirm/a correction": confirm_correction, "reply.confirm/held": confirm_held,
    "reply.hand_over": hand_over, "after_reply.set": after_reply_set,
    "customer.update": customer_update, "customer.note_add": customer_note,
    "customer.merge": customer_merge, "customer.split": customer_split,
    "attribute.create": attribute_create, "attribute.update": attribute_update,
    "attribute.delete": attribute_delete,
    "view.save": view_save, "view.delete": view_delete,
    "bulk.assign": bulk_assign, "bulk.tag": bulk_tag, "bulk.priority": bulk_priority,
    "bulk.status": bulk_status, "claim.release_all": release_all,
}
# Commands that change no card (their events, if any, carry none). The others send at
# least one card (a retry sends the thread's card unchanged: a delivery is not on it).
NO_CARD = {"crisis.set", "policy.set", "template.create", "template.update", "template.delete",
           "user.create", "user.update", "token.create", "token.create_own", "channel.create",
           "draft.invite", "draft.uninvite", "note.add", "reply.hand_over", "after_reply.set",
           "customer.update", "customer.note_add", "attribute.create", "attribute.update",
           "attribute.delete", "view.save", "view.delete"}


async def run_scenario(desk: InProcessDesk, fakes: Fakes, name: str
                       ) -> list[dict[str, Any]]:
    """Arrange, snapshot, act, and check the board; returns the act's events."""
    act = await SCENARIOS[name](desk, fakes)
    before = await snapshot(desk)
    async with desk.capture() as got:
        await act()
    after = await snapshot(desk)
    assert apply(before, got.events) == after, f"{name}: the board and its events differ"
    carded = [e["type"] for e in got.events if "card" in e["payload"]]
    if name.split("/")[0] in NO_CARD:
        assert before == after and not carded, f"{name} changed cards: {carded}"
    else:
        assert carded, f"{name} sent no card: a scenario that shows nothing"
    return got.events


