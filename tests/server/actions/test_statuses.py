"""A thread's life: new, open, waiting, pending approval, resolved, closed (server/statuses.py),
reopened by the customer within the window, else carried on by a new linked thread."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, update

from server.actions.closing import close_resolved
from server.models import Thread, utcnow
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import claimed, submitted, write_draft


async def card(desk: InProcessDesk, thread_id: int) -> dict:
    return (await desk.ok(desk.admin, "GET", f"/api/threads/{thread_id}"))["thread"]


async def resolved_days_ago(desk: InProcessDesk, thread_id: int, days: float) -> None:
    await desk.ok(desk.agent, "PATCH", f"/api/threads/{thread_id}", json={"status": "resolved"})
    async with desk.db.write() as tx:
        await tx.session.execute(update(Thread).where(col(Thread.id) == thread_id)
                                 .values(resolved_at=utcnow() - timedelta(days=days)))


async def test_a_thread_is_new_until_claimed_and_waits_after_the_reply(
    desk: InProcessDesk
) -> None:
    first = new_item("Wo bleibt mein Paket?", visibility="private")
    await desk.webhook([first])
    fresh = await desk.card_with("Wo bleibt mein Paket?")
    assert fresh["status"] == "new"

    await desk.ok(desk.agent, "POST", f"/api/threads/{fresh['id']}/claim")
    assert (await card(desk, fresh["id"]))["status"] == "open"
    await write_draft(desk, fresh["id"], "Es ist unterwegs.")
    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{fresh['id']}/reply/submit")
    assert sent["status"] == "sent"
    assert (await card(desk, fresh["id"]))["status"] == "waiting"

    # The customer answers: the thread is work again.
    await desk.webhook([new_item("Danke, und wann?", author=first["author"],
                                 visibility="private")])
    assert (await card(desk, fresh["id"]))["status"] == "open"


async def test_pending_is_understood_as_the_former_name_of_waiting(desk: InProcessDesk) -> None:
    thread = await claimed(desk)
    await desk.ok(desk.agent, "PATCH", f"/api/threads/{thread['id']}", json={"status": "pending"})

    assert (await card(desk, thread["id"]))["status"] == "waiting"
    for name in ("pending", "waiting"):
        listed = await desk.ok(desk.agent, "GET", "/api/threads", params={"status": name})
        assert [c["id"] for c in listed["threads"]] == [thread["id"]]


async def test_a_reply_up_for_approval_makes_the_thread_pending_approval_until_decided(
    desk: InProcessDesk
) -> None:
    thread, answer = await submitted(desk)
    assert answer["status"] == "pending"
    assert (await card(desk, thread["id"]))["status"] == "pending_approval"

    async with desk.capture() as got:
        await desk.ok(desk.supervisor, "POST", f"/api/approvals/{answer['approval_id']}/reject",
                      json={"comment": "Bitte freundlicher."})

    assert got.one("approval.decided")["card"]["status"] == "open"


async def test_the_customer_reopens_a_resolved_thread_within_the_window(
    desk: InProcessDesk
) -> None:
    first = new_item("Rechnung falsch")
    await desk.webhook([first])
    thread = await desk.card_with("Rechnung falsch")
    await resolved_days_ago(desk, thread["id"], 2)

    await desk.webhook([new_item("Immer noch falsch", id="c-1", author=first["author"],
                                 thread=first["id"])])

    again = await card(desk, thread["id"])
    assert again["status"] == "open" and again["message_count"] == 2


async def test_after_the_window_a_new_thread_carries_on_linked_to_the_old(
    desk: InProcessDesk
) -> None:
    first = new_item("Router kaputt")
    await desk.webhook([first])
    old = await desk.card_with("Router kaputt")
    await resolved_days_ago(desk, old["id"], 8)  # the reopen window is 7 days

    async with desk.capture() as got:
        await desk.webhook([new_item("Wieder kaputt", id="c-2", author=first["author"],
                                     thread=first["id"])])

    opened = got.one("thread.opened")["card"]
    assert opened["id"] != old["id"] and opened["status"] == "new"
    assert (await desk.row(Thread, opened["id"])).previous_thread_id == old["id"]
    before = await card(desk, old["id"])
    assert before["status"] == "closed" and before["message_count"] == 1
    page = await desk.rest(desk.agent, "GET", f"/threads/{opened['id']}")
    assert f'href="/threads/{old["id"]}"' in page.text


async def test_resolved_threads_close_once_after_the_days(desk: InProcessDesk) -> None:
    recent, old = await desk.post("Frisch gelöst"), await desk.post("Lange gelöst")
    await resolved_days_ago(desk, recent["id"], 1)
    await resolved_days_ago(desk, old["id"], 10)

    async with desk.capture() as got:
        assert await close_resolved(desk.db, after_days=7) == 1
        assert await close_resolved(desk.db, after_days=7) == 0  # a second sweep finds none

    changed = got.one("thread.status_changed")
    assert (changed["thread_id"], changed["status"], changed["by"]) == (old["id"], "closed", None)
    assert (await card(desk, recent["id"]))["status"] == "resolved"
    board = await desk.ok(desk.agent, "GET", "/api/threads")
    assert old["id"] not in [c["id"] for c in board["threads"]]
