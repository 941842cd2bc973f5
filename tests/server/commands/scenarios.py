"""What each state-changing command needs arranged, and the board check itself: snapshot,
act, apply the committed events as a board does, compare with a fresh snapshot.

Used per command by test_board_follows_events.py, and as one sequence through the board
page's own reducer in Chromium by tests/browser/test_board_reducer.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.actions.hooks import plan_deliveries
from server.actions.sla_alarms import fire_due
from server.incidents.grouping import SEED_SIZE
from server.models import utcnow
from server.queries.cards import BoardFilter, board_cards
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.captured import Board, apply
from tests.support.incidents import alike, complaints
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
INCIDENT_TEXT = "Doppelte Abbuchung vom Konto, Lastschrift zweimal eingezogen"
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


async def grouped(desk: InProcessDesk, _: Fakes) -> Act:
    await alike(desk, INCIDENT_TEXT, SEED_SIZE - 1)

    async def act() -> Any:
        return await desk.webhook([new_item(INCIDENT_TEXT)])
    return act


async def incident_rename(desk: InProcessDesk, _: Fakes) -> Act:
    incident_id = await complaints(desk, INCIDENT_TEXT)
    return rest(desk, "supervisor", "PATCH", f"/api/incidents/{incident_id}", title="Debit")


async def incident_merge(desk: InProcessDesk, _: Fakes) -> Act:
    one = await complaints(desk, INCIDENT_TEXT)
    other = await complaints(desk, "Internet Störung in Verden, Router offline seit Stunden")
    return rest(desk, "supervisor", "POST", f"/api/incidents/{other}/merge", into=one)


async def incident_split(desk: InProcessDesk, _: Fakes) -> Act:
    incident_id = await complaints(desk, INCIDENT_TEXT)
    found = await desk.ok(desk.admin, "GET", "/api/threads", params={"incident": incident_id})
    return rest(desk, "supervisor", "POST", f"/api/incidents/{incident_id}/split",
                thread_ids=[found["threads"][0]["id"]], title="The first one")


async def incident_close(desk: InProcessDesk, _: Fakes) -> Act:
    incident_id = await complaints(desk, INCIDENT_TEXT)
    return rest(desk, "supervisor", "POST", f"/api/incidents/{incident_id}/close")


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
    # "pending" is the former name of the default (waiting): later scenarios answer as before.
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
async def hook_subscribe(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/hooks", url="http://127.0.0.1:9/crm",
                event_types=["thread.opened"])


async def hook_unsubscribe(desk: InProcessDesk, _: Fakes) -> Act:
    made = await (await hook_subscribe(desk, _))()
    return rest(desk, "admin", "DELETE", f"/api/hooks/{made['id']}")


async def hook_send_again(desk: InProcessDesk, _: Fakes) -> Act:
    made = await (await hook_subscribe(desk, _))()
    await desk.post("a post the CRM hears of")
    await plan_deliveries(desk.db)
    [delivery] = (await desk.ok(desk.admin, "GET", f"/api/hooks/{made['id']}/deliveries")
                  )["deliveries"]
    return rest(desk, "admin", "POST", f"/api/hooks/deliveries/{delivery['id']}/send-again")


async def customer_erase(desk: InProcessDesk, _: Fakes) -> Act:
    card = await desk.post("Bitte löschen Sie meine Daten")
    return rest(desk, "admin", "POST", f"/api/customers/{card['customer_id']}/erase",
                confirm=True)
async def team_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/teams", name=f"Team {secrets.token_hex(3)}",
                auto_assign=True, capacity=3)


async def a_team(desk: InProcessDesk) -> int:
    made = await desk.ok(desk.admin, "POST", "/api/teams", json={
        "name": f"Team {secrets.token_hex(3)}"})
    return made["team"]["id"]


async def team_update(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "PATCH", f"/api/teams/{await a_team(desk)}", capacity=9)


async def member_set(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "PUT", f"/api/teams/{await a_team(desk)}/members/{desk.agent.id}",
                capacity=2, languages=["de"])


async def member_remove(desk: InProcessDesk, _: Fakes) -> Act:
    team_id = await a_team(desk)
    await desk.ok(desk.admin, "PUT", f"/api/teams/{team_id}/members/{desk.agent.id}", json={})
    return rest(desk, "admin", "DELETE", f"/api/teams/{team_id}/members/{desk.agent.id}")


async def rule_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/routing-rules", name="Billing DE",
                conditions={"words": ["rechnung"], "languages": ["de"]}, priority="high")


async def a_rule(desk: InProcessDesk) -> int:
    made = await desk.ok(desk.admin, "POST", "/api/routing-rules", json={
        "name": "Nothing", "conditions": {"words": ["zzzz-never"]}, "active": False})
    return made["rule"]["id"]


async def rule_update(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "PATCH", f"/api/routing-rules/{await a_rule(desk)}",
                tags=["billing"])


async def rule_delete(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "DELETE", f"/api/routing-rules/{await a_rule(desk)}")


async def sla_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "admin", "POST", "/api/sla-policies", name="VIP", vip=True,
                first_response_minutes=15, resolution_minutes=240)


async def sla_delete(desk: InProcessDesk, _: Fakes) -> Act:
    made = await desk.ok(desk.admin, "POST", "/api/sla-policies", json={
        "name": "Nobody", "network": "nowhere", "first_response_minutes": 5})
    return rest(desk, "admin", "DELETE", f"/api/sla-policies/{made['policy']['id']}")


async def sla_timer(desk: InProcessDesk, _: Fakes) -> Act:
    """Not a command: the timer's round once a thread's first response is overdue (its
    events come from ingest's clock), with a supervisor in the thread's team to tell."""
    team = (await desk.ok(desk.admin, "POST", "/api/teams", json={
        "name": f"Team {secrets.token_hex(3)}"}))["team"]
    await desk.ok(desk.admin, "PUT", f"/api/teams/{team['id']}/members/{desk.supervisor.id}",
                  json={"supervisor": True})
    word = f"sla{secrets.token_hex(3)}"
    await desk.ok(desk.admin, "POST", "/api/routing-rules", json={
        "name": "SLA", "team_id": team["id"], "conditions": {"words": [word]}})
    await desk.post(f"Hilfe {word}")

    async def act() -> None:
        await fire_due(desk.db, utcnow() + timedelta(days=2))
    return act


async def availability_set(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "agent", "PUT", "/api/me/availability", state="busy")


async def release_all(desk: InProcessDesk, _: Fakes) -> Act:
    await claimed(desk, f"Erste {secrets.token_hex(3)}")
    await claimed(desk, f"Zweite {secrets.token_hex(3)}")
    return rest(desk, "agent", "POST", "/api/me/claims/release")


# Keyed by command (after a slash: which case of it); webhooks are the ingest command.
SCENARIOS: dict[str, Arrange] = {
    "ingest/new thread": new_thread, "ingest/message in a thread": message_in_thread,
    "ingest/sla timer": sla_timer,
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
    "ingest/grouped into an incident": grouped, "incident.rename": incident_rename,
    "incident.merge": incident_merge, "incident.split": incident_split,
    "incident.close": incident_close,
    "view.save": view_save, "view.delete": view_delete,
    "bulk.assign": bulk_assign, "bulk.tag": bulk_tag, "bulk.priority": bulk_priority,
    "bulk.status": bulk_status, "claim.release_all": release_all,
    "hook.subscribe": hook_subscribe, "hook.unsubscribe": hook_unsubscribe,
    "hook.send_again": hook_send_again, "customer.erase": customer_erase,
    "team.create": team_create, "team.update": team_update, "team.member_set": member_set,
    "team.member_remove": member_remove, "rule.create": rule_create,
    "rule.update": rule_update, "rule.delete": rule_delete,
    "availability.set": availability_set, "sla.create": sla_create, "sla.delete": sla_delete,
}
# Commands that change no card (their events, if any, carry none). The others send at
# least one card (a retry sends the thread's card unchanged: a delivery is not on it).
NO_CARD = {"crisis.set", "policy.set", "template.create", "template.update", "template.delete",
           "user.create", "user.update", "token.create", "token.create_own", "channel.create",
           "draft.invite", "draft.uninvite", "note.add", "reply.hand_over", "after_reply.set",
           "customer.update", "customer.note_add", "attribute.create", "attribute.update",
           "attribute.delete", "incident.rename", "incident.close", "view.save",
           "view.delete", "hook.subscribe", "hook.unsubscribe", "hook.send_again",
           "team.create", "team.update", "team.member_set",
           "team.member_remove", "rule.create", "rule.update", "rule.delete",
           "availability.set", "sla.create", "sla.delete"}


async def run_scenario(desk: InProcessDesk, fakes: Fakes, name: str
                       ) -> list[dict[str, Any]]:
    """Arrange, snapshot, act, and check the board; returns the act's events."""
    act = await SCENARIOS[name](desk, fakes)
    before = await snapshot(desk)
    async with desk.capture() as got:
        await act()
    after = await snapshot(desk)
    assert apply(before, got.events) == after, f"{name}: the board and its events differ"
    carded = [e["type"] for e in got.events
              if "card" in e["payload"] or e["payload"].get("joined")]
    if name.split("/")[0] in NO_CARD or name in NO_CARD:
        assert before == after and not carded, f"{name} changed cards: {carded}"
    else:
        assert carded, f"{name} sent no card: a scenario that shows nothing"
    return got.events




# -- listening ------------------------------------------------------------------------------


async def listening_rule_create(desk: InProcessDesk, _: Fakes) -> Act:
    return rest(desk, "marketer", "POST", "/api/listening/rules", brand="Tandem",
                name=f"launch {secrets.token_hex(3)}", any_terms=["#tandemdesk"],
                none_terms=["giveaway"])


async def listening_rule_update(desk: InProcessDesk, fakes: Fakes) -> Act:
    made = (await (await listening_rule_create(desk, fakes))())["rule"]
    return rest(desk, "marketer", "PUT", f"/api/listening/rules/{made['id']}",
                brand="Tandem", name=made["name"], any_terms=["#tandemdesk"], active=False)


async def listening_engage(desk: InProcessDesk, _: Fakes) -> Act:
    from tests.support.listening import rule, stored_match

    await rule(desk.desk, await desk.actor(desk.marketer), "tandem")
    match = await stored_match(desk.desk, desk.channel_id, "tandem rocks, honestly")
    return rest(desk, "agent", "POST", f"/api/listening/matches/{match.id}/engage")


async def listening_match(desk: InProcessDesk, _: Fakes) -> Act:
    """Not a command: the listener storing a match (like ingest, it has no caller)."""
    from tests.support.listening import rule, stored_match

    await rule(desk.desk, await desk.actor(desk.marketer), "tandem")

    async def act() -> None:
        await stored_match(desk.desk, desk.channel_id, "tandem, again")
    return act


SCENARIOS.update({
    "ingest/a listening match": listening_match,
    "listening.rule_create": listening_rule_create,
    "listening.rule_update": listening_rule_update, "listening.engage": listening_engage,
})
NO_CARD |= {"listening.rule_create", "listening.rule_update", "ingest/a listening match"}


# -- publishing -----------------------------------------------------------------------------


async def _post(desk: InProcessDesk, fakes: Fakes, *, submitted: bool = False) -> int:
    from tests.support.publishing import compose_body, x_channel

    channel_id = await x_channel(desk.desk, fakes.x)
    made = await desk.ok(desk.marketer, "POST", "/api/posts", json=compose_body(channel_id))
    if submitted:
        await desk.ok(desk.marketer, "POST", f"/api/posts/{made['post']['id']}/submit")
    return int(made["post"]["id"])


async def post_compose(desk: InProcessDesk, fakes: Fakes) -> Act:
    from tests.support.publishing import compose_body, x_channel

    channel_id = await x_channel(desk.desk, fakes.x)
    return rest(desk, "marketer", "POST", "/api/posts", **compose_body(channel_id))


async def post_change(desk: InProcessDesk, fakes: Fakes) -> Act:
    post_id = await _post(desk, fakes)
    return rest(desk, "marketer", "PATCH", f"/api/posts/{post_id}",
                publish_at="2030-06-02T10:30:00+02:00")


async def post_submit(desk: InProcessDesk, fakes: Fakes) -> Act:
    return rest(desk, "marketer", "POST", f"/api/posts/{await _post(desk, fakes)}/submit")


async def post_approve(desk: InProcessDesk, fakes: Fakes) -> Act:
    post_id = await _post(desk, fakes, submitted=True)
    return rest(desk, "supervisor", "POST", f"/api/posts/{post_id}/approve")


async def post_reject(desk: InProcessDesk, fakes: Fakes) -> Act:
    post_id = await _post(desk, fakes, submitted=True)
    return rest(desk, "supervisor", "POST", f"/api/posts/{post_id}/reject", comment="later")


async def publishing_pause(desk: InProcessDesk, fakes: Fakes) -> Act:
    await _post(desk, fakes)
    return rest(desk, "supervisor", "POST", "/api/publishing/pause", reason="crisis")


async def publishing_resume(desk: InProcessDesk, fakes: Fakes) -> Act:
    await _post(desk, fakes)
    await desk.ok(desk.supervisor, "POST", "/api/publishing/pause", json={"reason": "crisis"})
    return rest(desk, "supervisor", "POST", "/api/publishing/resume", confirm=True)


PUBLISHING = {
    "post.compose": post_compose, "post.change": post_change, "post.submit": post_submit,
    "post.approve": post_approve, "post.reject": post_reject,
    "publishing.pause": publishing_pause, "publishing.resume": publishing_resume,
}
SCENARIOS.update(PUBLISHING)
NO_CARD |= set(PUBLISHING)
