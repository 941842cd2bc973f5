"""server/actions/escalation.py: taking a public thread private, and back to public."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from server.models import Message, Thread
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import facebook_comment, taken_private, tweet


async def test_a_network_without_a_private_path_is_refused_with_its_own_code(
    desk: InProcessDesk
) -> None:
    card = await desk.post("a public complaint")

    error = await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                               400, "no_private_path", json={"text": "Privately, then"})

    assert error["network"] == "webhook"


async def test_taking_private_answers_the_comment_in_a_linked_private_thread(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    card = await facebook_comment(desk, fake_meta, "My order is late")

    async with desk.capture() as got:
        done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                             json={"text": "We write to you privately."})

    assert done["path"] == "private_reply" and done["holding_reply"] == "none"
    async with desk.db.read() as session:
        public = await session.get(Thread, card["id"])
        private = await session.get(Thread, done["private_thread_id"])
        message = await session.get(Message, done["message_id"])
        comment_id = await session.scalar(select(col(Message.external_id)).where(
            col(Message.thread_id) == card["id"], col(Message.direction) == "in"))
    assert public is not None and private is not None and message is not None
    assert public.private_thread_id == private.id and private.public_thread_id == public.id
    assert private.visibility == "private" and message.reply_to_external_id == comment_id
    taken = got.one("escalation.taken_private")
    assert taken["card"]["private_thread_id"] == private.id
    assert [s.text for s in fake_meta.sent_of("private_reply", comment_id)] == [
        "We write to you privately."]


async def test_the_private_thread_shows_its_first_message_from_the_first_event_on(
    network_desk: InProcessDesk, fake_x: FakeX
) -> None:
    desk = network_desk
    card = await tweet(desk, fake_x, "Three weeks waiting")

    async with desk.capture() as got:
        done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                             json={"text": "We write to you by direct message."})

    # The take-private transaction's own events, before the sender's delivery reports.
    own = got.events[:next(i for i, e in enumerate(got.events)
                           if e["type"] == "message.delivery")]
    private_cards = [e["payload"]["card"] for e in own
                     if e["thread_id"] == done["private_thread_id"]]
    assert private_cards[-1]["excerpt"] == "We write to you by direct message."


async def test_a_thread_goes_private_once_and_only_from_public(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    card, done = await taken_private(desk, fake_meta)

    await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/take-private", 409,
                       "conflict", json={"text": "Again"})
    await desk.refuses(desk.agent, "POST",
                       f"/api/threads/{done['private_thread_id']}/take-private", 400, "invalid",
                       json={"text": "From private"})
    await desk.refuses(desk.viewer, "POST", f"/api/threads/{card['id']}/take-private", 403,
                       "forbidden", json={"text": "Again"})


async def test_the_holding_reply_waits_for_approval_as_public_replies_do(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    card = await facebook_comment(desk, fake_meta, "Is anyone there?")

    done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                         json={"text": "Privately", "holding_reply": True})

    assert done["holding_reply"] == "pending_approval"
    [waiting] = (await desk.ok(desk.supervisor, "GET", "/api/approvals"))["approvals"]
    assert waiting["id"] == done["holding_id"] and waiting["thread_id"] == card["id"]
    assert waiting["submitted_text"].startswith("Thank you, Fiona Facebook.")


async def test_back_to_public_posts_on_the_public_thread_and_resolves_the_private_one(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    card, done = await taken_private(desk, fake_meta)
    private = done["private_thread_id"]
    await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/back-to-public", 400,
                       "invalid", json={"text": "From public"})

    back = await desk.ok(desk.agent, "POST", f"/api/threads/{private}/back-to-public",
                         json={"text": "Solved, thank you."})

    assert back["outcome"] == "pending_approval" and back["public_thread_id"] == card["id"]
    async with desk.db.read() as session:
        thread = await session.get(Thread, private)
    assert thread is not None and thread.status == "resolved"
