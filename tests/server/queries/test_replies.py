"""server/queries/replies.py: word diffs, the approvals queue, a thread's reply panel."""

from __future__ import annotations

import pytest

from server.errors import Invalid, NotFound
from server.events import DiffPart
from server.queries.replies import approvals_queue, thread_reply, word_diff
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import failed_send, submitted


def test_a_diff_is_word_by_word_and_keeps_the_spaces() -> None:
    parts = [(p.op, p.text) for p in word_diff("Thanks, we are on it!!!", "Thanks, we're on it.")]

    assert parts[0] == ("same", "Thanks, we")
    assert "".join(t for op, t in parts if op != "del") == "Thanks, we're on it."
    assert "".join(t for op, t in parts if op != "ins") == "Thanks, we are on it!!!"
    assert word_diff("same", "same") == [DiffPart(op="same", text="same")]


async def test_the_queue_holds_open_approvals_oldest_first_and_decided_ones_apart(
    desk: InProcessDesk
) -> None:
    first, one = await submitted(desk, "First reply")
    _, two = await submitted(desk, "Second reply")
    await desk.ok(desk.supervisor, "POST", f"/api/approvals/{two['approval_id']}/reject",
                  json={"comment": "No"})

    open_now = await approvals_queue(desk.db)
    assert [a.id for a in open_now] == [one["approval_id"]]
    assert open_now[0].excerpt == first["excerpt"] and open_now[0].network == "webhook"
    assert [a.id for a in await approvals_queue(desk.db, "rejected")] == [two["approval_id"]]
    assert await approvals_queue(desk.db, thread_id=first["id"] + 1000) == []
    with pytest.raises(Invalid):
        await approvals_queue(desk.db, "lost")
    listed = await desk.ok(desk.supervisor, "GET", "/api/approvals", params={"status": "open"})
    assert [a["id"] for a in listed["approvals"]] == [one["approval_id"]]


async def test_the_reply_panel_shows_the_draft_the_approval_and_each_delivery(
    desk: InProcessDesk
) -> None:
    card, message_id = await failed_send(desk)

    panel = await thread_reply(desk.db, card["id"])

    assert (panel["state"], panel["text"], panel["approval"]) == ("editing", "", None)
    [delivery] = panel["deliveries"]
    assert (delivery["message_id"], delivery["status"], delivery["attempts"]) == (
        message_id, "failed", 1)
    assert delivery["error"] and delivery["next_attempt_at"] is None
    assert panel["newest_message_id"] == message_id
    fresh = await desk.post()
    assert (await thread_reply(desk.db, fresh["id"]))["deliveries"] == []
    with pytest.raises(NotFound):
        await thread_reply(desk.db, 99999)
