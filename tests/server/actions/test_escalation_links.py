"""server/actions/escalation_links.py: once Meta names the customer's Messenger id, the
private thread is keyed as their direct messages are, so their answers land in it."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from server.actions.escalation_links import EscalationLinker
from server.models import Contact, Message, NewEvent, Thread
from tests.fakes.meta_graph import FakeMeta
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import facebook_comment, facebook_page, from_meta


async def test_the_private_thread_takes_the_messenger_id_and_one_customer(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    fiona = fake_meta.customer("Fiona Facebook")
    page = await facebook_page(desk, fake_meta)
    card = await facebook_comment(desk, fake_meta, "Still no refund", fiona, page)

    async with desk.capture() as got:
        done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                             json={"text": "We write to you privately."})

    private = await desk.row(Thread, done["private_thread_id"])
    assert private.external_key == f"dm:{fiona.psid}"
    async with desk.db.read() as session:
        contact = await session.get(Contact, private.contact_id)
        commenter = await session.get(Contact, card["author"]["contact_id"])
    assert contact is not None and commenter is not None
    assert contact.external_id == fiona.psid and contact.name == "Fiona Facebook"
    assert contact.customer_id is not None and contact.customer_id == commenter.customer_id
    linked = {e["thread_id"] for e in got.events if e["type"] == "escalation.linked"}
    assert linked == {card["id"], private.id}

    # Her answer in Messenger lands in the linked thread.
    await from_meta(desk, page[1], page[0], fake_meta.message_webhook(page[0], fiona, "Thanks"))
    async with desk.db.read() as session:
        answer = await session.scalar(select(Message).where(col(Message.text) == "Thanks"))
    assert answer is not None and answer.thread_id == private.id


async def test_a_customer_who_wrote_privately_before_continues_in_that_thread(
    network_desk: InProcessDesk, fake_meta: FakeMeta
) -> None:
    desk = network_desk
    fiona = fake_meta.customer("Fiona Facebook")
    page = await facebook_page(desk, fake_meta)
    await from_meta(desk, page[1], page[0],
                    fake_meta.message_webhook(page[0], fiona, "Hello, a private question"))
    earlier = await desk.card_with("Hello, a private question")
    card = await facebook_comment(desk, fake_meta, "And a public complaint", fiona, page)

    done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                         json={"text": "We answer you privately."})

    public, before = await desk.row(Thread, card["id"]), await desk.row(Thread, earlier["id"])
    assert public.private_thread_id == earlier["id"] and before.public_thread_id == card["id"]
    opened = await desk.row(Thread, done["private_thread_id"])
    assert opened.status == "resolved" and opened.message_count == 0
    assert before.message_count == 2  # her message and our private reply


async def test_events_other_than_a_sent_delivery_link_nothing(desk: InProcessDesk) -> None:
    before = await desk.footprint()
    linker = EscalationLinker(desk.db)

    await linker([NewEvent(type="message.delivery", payload={"status": "failed", "message_id": 1}),
                  NewEvent(type="message.added", payload={})])
    # A sent delivery of a message that is not in a linked private thread: nothing either.
    await linker([NewEvent(type="message.delivery", payload={"status": "sent", "message_id": 999})])

    assert await desk.footprint() == before
