"""server/queries/threads.py: a thread's messages, in order."""

from __future__ import annotations

from server.queries.threads import thread_messages
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import failed_send


async def test_messages_come_in_order_both_ways(desk: InProcessDesk) -> None:
    card, sent = await failed_send(desk)

    messages = await thread_messages(desk.db, card["id"])

    assert [m["direction"] for m in messages] == ["in", "out"]
    assert messages[1]["id"] == sent and messages[1]["author_user_id"] == desk.agent.id
    assert messages[0]["contact_id"] == card["author"]["contact_id"]
    shown = await desk.ok(desk.viewer, "GET", f"/api/threads/{card['id']}")
    assert [m["id"] for m in shown["messages"]] == [m["id"] for m in messages]
    assert await thread_messages(desk.db, 99999) == []
    await desk.webhook([new_item("unrelated")])
    assert len(await thread_messages(desk.db, card["id"])) == 2
