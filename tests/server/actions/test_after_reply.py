"""server/actions/after_reply.py: the desk's choice of what a sent reply does to an open
thread's status."""

from __future__ import annotations

from typing import Any

from server.models import Thread
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import claimed, write_draft


async def private_reply(desk: InProcessDesk, text: str = "A private question"
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The agent's reply to a new private thread (sent at once: private replies need no
    approval by default); the thread's card and the submit's answer."""
    card = await claimed(desk, text, visibility="private")
    await write_draft(desk, card["id"], "A private answer")
    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")
    assert sent["status"] == "sent", sent
    return card, sent


async def test_by_default_a_sent_reply_leaves_the_thread_waiting_and_claimed(
    desk: InProcessDesk
) -> None:
    assert await desk.ok(desk.agent, "GET", "/api/after-reply") == {"status": "waiting"}

    card, _ = await private_reply(desk)

    thread = await desk.row(Thread, card["id"])
    assert thread.status == "waiting"
    assert thread.claim_holder_id == desk.agent.id
    [moved] = [a for a in await desk.audits("thread.update") if a.thread_id == card["id"]]
    assert moved.detail == {"status": "waiting", "via": "reply"}


async def test_resolved_releases_the_claim_and_open_changes_nothing(
    desk: InProcessDesk
) -> None:
    answer = await desk.ok(desk.supervisor, "PUT", "/api/after-reply",
                           json={"status": "resolved"})
    assert answer == {"status": "resolved"}
    [chosen] = await desk.audits("after_reply.set")
    assert chosen.actor_id == desk.supervisor.id and chosen.detail == {"status": "resolved"}

    async with desk.capture() as got:
        resolved, _ = await private_reply(desk, "Please resolve me")
    row = await desk.row(Thread, resolved["id"])
    assert (row.status, row.claim_holder_id) == ("resolved", None)
    # The card boards get with the sent reply already shows the new status.
    assert got.of("message.added")[-1]["card"]["status"] == "resolved"

    await desk.ok(desk.supervisor, "PUT", "/api/after-reply", json={"status": "open"})
    stays, _ = await private_reply(desk, "Leave me open")
    row = await desk.row(Thread, stays["id"])
    assert (row.status, row.claim_holder_id) == ("open", desk.agent.id)
    assert await desk.ok(desk.viewer, "GET", "/api/after-reply") == {"status": "open"}


async def test_only_an_open_thread_moves(desk: InProcessDesk) -> None:
    await desk.ok(desk.supervisor, "PUT", "/api/after-reply", json={"status": "resolved"})
    card = await claimed(desk, "Already waiting", visibility="private")
    await desk.ok(desk.agent, "PATCH", f"/api/threads/{card['id']}", json={"status": "waiting"})
    await write_draft(desk, card["id"], "Still waiting")

    await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")

    assert (await desk.row(Thread, card["id"])).status == "waiting"


async def test_an_unknown_status_or_a_caller_without_the_right_is_refused(
    desk: InProcessDesk
) -> None:
    await desk.refuses(desk.admin, "PUT", "/api/after-reply", 400, "invalid",
                       json={"status": "snoozed"})
    await desk.refuses(desk.agent, "PUT", "/api/after-reply", 403, "forbidden",
                       json={"status": "resolved"})
    assert await desk.ok(desk.agent, "GET", "/api/after-reply") == {"status": "waiting"}
    assert await desk.audits("after_reply.set") == []
