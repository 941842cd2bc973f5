"""server/actions/replies.py: submit, approve (corrected), reject, withdraw; four eyes and
messages the writer has not seen."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from server.models import Approval, Draft, Message
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import claimed, submitted, write_draft


async def draft_row(desk: InProcessDesk, thread_id: int) -> Draft:
    async with desk.db.read() as session:
        found = await session.scalar(select(Draft).where(col(Draft.thread_id) == thread_id))
    assert found is not None
    return found


async def outgoing(desk: InProcessDesk, thread_id: int) -> list[Message]:
    async with desk.db.read() as session:
        return list((await session.scalars(select(Message).where(
            col(Message.thread_id) == thread_id, col(Message.direction) == "out"))).all())


async def test_a_public_reply_waits_for_approval_and_locks_the_draft(
    desk: InProcessDesk
) -> None:
    card = await claimed(desk)
    await write_draft(desk, card["id"], "Thanks, we are on it.")

    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")

    assert answer["status"] == "pending" and answer["message_id"] is None
    assert (await draft_row(desk, card["id"])).state == "pending"
    assert got.types == ["approval.requested", "reply.state"]
    requested = got.one("approval.requested")
    assert requested["approval"]["submitted_text"] == "Thanks, we are on it."
    assert requested["card"]["awaiting_approval"] is True
    assert await outgoing(desk, card["id"]) == []


async def test_nobody_approves_their_own_reply(desk: InProcessDesk) -> None:
    card = await claimed(desk, person=desk.supervisor)
    await write_draft(desk, card["id"], "Our reply", desk.supervisor)
    waiting = await desk.ok(desk.supervisor, "POST", f"/api/threads/{card['id']}/reply/submit")

    await desk.refuses(desk.supervisor, "POST",
                       f"/api/approvals/{waiting['approval_id']}/approve", 403, "four_eyes")
    # The permission is checked before four eyes: an agent learns nothing more.
    await desk.refuses(desk.agent, "POST", f"/api/approvals/{waiting['approval_id']}/approve",
                       403, "forbidden")


async def test_a_correction_waits_for_the_author_then_goes_out_crediting_both(
    desk: InProcessDesk
) -> None:
    card, waiting = await submitted(desk, "Thanks, we are on it!!!")
    approvals = f"/api/approvals/{waiting['approval_id']}"

    async with desk.capture() as got:
        answer = await desk.ok(desk.supervisor, "POST", f"{approvals}/approve",
                               json={"text": "Thanks, we are on it."})

    assert answer["status"] == "corrected"
    assert await outgoing(desk, card["id"]) == []
    decided = got.one("notification.reply_decided")
    assert (decided["status"], decided["confirm_by"]) == ("corrected", "author")
    assert [e["user_id"] for e in got.events if e["type"] == "notification.reply_decided"] == [
        desk.agent.id]
    assert {"op": "ins", "text": "."} in decided["diff"]
    # The corrector cannot confirm their own words; the author can.
    await desk.refuses(desk.supervisor, "POST", f"{approvals}/confirm", 403, "forbidden")

    sent = await desk.ok(desk.agent, "POST", f"{approvals}/confirm")

    assert sent["status"] == "sent"
    [message] = await outgoing(desk, card["id"])
    assert message.id == sent["message_id"] and message.text == "Thanks, we are on it."
    assert {(a["id"], a["part"]) for a in message.authors} == {
        (desk.agent.id, "submitted"), (desk.supervisor.id, "corrected")}
    draft = await draft_row(desk, card["id"])
    assert (draft.state, draft.text) == ("editing", "")


async def test_messages_the_writer_has_not_seen_stop_the_reply_until_confirmed(
    desk: InProcessDesk
) -> None:
    customer = {"id": "customer-unseen", "name": "Ulla"}
    card = await claimed(desk, "Where is my parcel?", visibility="private", author=customer)
    await write_draft(desk, card["id"], "It arrives tomorrow.")
    # Her next private message joins her conversation after the writer last looked.
    later = new_item("Actually, I cancelled", visibility="private", author=customer)
    assert (await desk.webhook([later])).status_code == 200

    error = await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit",
                               409, "unseen_messages")
    assert [m["text"] for m in error["messages"]] == [later["text"]]

    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit",
                         json={"confirm_seen_upto": error["newest_id"]})
    assert sent["status"] == "sent"


async def test_an_approval_that_meets_new_messages_is_held_then_confirmed(
    desk: InProcessDesk
) -> None:
    card, waiting = await submitted(desk, "Sorry for the wait.", thread="conversation-held")
    await desk.webhook([new_item("Hello? Anyone?", thread="conversation-held")])
    approvals = f"/api/approvals/{waiting['approval_id']}"

    held = await desk.ok(desk.supervisor, "POST", f"{approvals}/approve")

    assert held["status"] == "held" and len(held["unseen"]) == 1
    assert await outgoing(desk, card["id"]) == []
    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit",
                         json={"confirm_seen_upto": held["unseen"][-1]["id"]})
    assert sent["status"] == "sent"
    async with desk.db.read() as session:
        approval = await session.get(Approval, waiting["approval_id"])
    assert approval is not None and approval.status == "approved"


async def test_a_rejection_needs_a_reason_and_reopens_the_draft(desk: InProcessDesk) -> None:
    card, waiting = await submitted(desk, "Draft text")
    path = f"/api/approvals/{waiting['approval_id']}/reject"
    await desk.refuses(desk.supervisor, "POST", path, 400, "invalid", json={"comment": "  "})

    async with desk.capture() as got:
        await desk.ok(desk.supervisor, "POST", path, json={"comment": "Too curt."})

    assert got.one("reply.state")["reason"] == "rejected"
    assert got.one("notification.reply_decided")["comment"] == "Too curt."
    draft = await draft_row(desk, card["id"])
    assert (draft.state, draft.text) == ("editing", "Draft text")
    await desk.refuses(desk.supervisor, "POST", path, 409, "conflict", json={"comment": "Again"})


async def test_only_an_author_withdraws_and_the_draft_is_editable_again(
    desk: InProcessDesk
) -> None:
    card, waiting = await submitted(desk, "Draft text")
    path = f"/api/approvals/{waiting['approval_id']}/withdraw"
    await desk.refuses(desk.colleague, "POST", path, 403, "forbidden")

    answer = await desk.ok(desk.agent, "POST", path)

    assert answer["status"] == "withdrawn"
    assert (await draft_row(desk, card["id"])).state == "editing"


async def test_an_empty_draft_or_a_second_submission_is_refused(desk: InProcessDesk) -> None:
    card = await claimed(desk)
    submit = f"/api/threads/{card['id']}/reply/submit"
    await write_draft(desk, card["id"], "   ")
    await desk.refuses(desk.agent, "POST", submit, 400, "invalid")
    await write_draft(desk, card["id"], "A real answer")
    await desk.ok(desk.agent, "POST", submit)
    await desk.refuses(desk.agent, "POST", submit, 409, "conflict")
