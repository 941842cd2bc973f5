"""server/actions/ingest.py: items stored once, threads opened or continued, boards told."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from channels.base import InboundItem
from server.actions.ingest import do_ingest
from server.errors import NotFound
from server.models import Contact, Message, Thread
from tests.support.inprocess import InProcessDesk, new_item


def item(external_id: str, text: str = "Hello", **extra: object) -> InboundItem:
    values: dict[str, object] = {"author_id": "ulla", "author_name": "Ulla",
                                 "visibility": "public"}
    return InboundItem(external_id=external_id, text=text, **{**values, **extra})  # type: ignore[arg-type]


async def ingest(desk: InProcessDesk, *items: InboundItem) -> tuple[list[int], int]:
    done = await do_ingest(desk.desk.ingest, desk.channel_id, items)
    return done.stored, done.duplicates


async def count(desk: InProcessDesk, model: type) -> int:
    async with desk.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_item_opens_a_thread_and_tells_every_board(desk: InProcessDesk) -> None:
    async with desk.capture() as got:
        stored, duplicates = await ingest(desk, item("p-1", "  My   parcel\nis late  "))

    assert len(stored) == 1 and duplicates == 0
    assert got.types == ["thread.opened", "message.added"]
    card = got.one("message.added")["card"]
    assert card["excerpt"] == "My parcel is late"  # whitespace folded
    assert card["message_count"] == 1 and card["status"] == "open"
    assert card["sla_due_at"] is not None
    assert got.one("message.added")["message"]["id"] == stored[0]


async def test_a_provider_retry_is_stored_once(desk: InProcessDesk) -> None:
    await ingest(desk, item("p-1"))
    before = await desk.footprint()

    stored, duplicates = await ingest(desk, item("p-1"), item("p-1"))

    assert (stored, duplicates) == ([], 2)
    assert await desk.footprint() == before
    assert await count(desk, Message) == 1


async def test_items_of_one_key_form_one_thread_and_the_contact_follows_its_newest_name(
    desk: InProcessDesk
) -> None:
    await ingest(desk, item("m-1", "first", thread_key="conv"))
    async with desk.capture() as got:
        await ingest(desk, item("m-2", "second", thread_key="conv", author_name="Ulla B."))

    assert got.types == ["message.added"]
    card = got.one("message.added")["card"]
    assert card["message_count"] == 2 and card["excerpt"] == "second"
    assert card["author"]["name"] == "Ulla B."
    assert await count(desk, Thread) == 1 and await count(desk, Contact) == 1


async def test_a_new_message_reopens_a_resolved_thread(desk: InProcessDesk) -> None:
    await ingest(desk, item("m-1", thread_key="conv"))
    card = await desk.card_with("Hello")
    await desk.ok(desk.agent, "PATCH", f"/api/threads/{card['id']}", json={"status": "resolved"})

    async with desk.capture() as got:
        await ingest(desk, item("m-2", "again", thread_key="conv"))

    assert got.one("message.added")["card"]["status"] == "open"


async def test_an_answer_to_a_known_message_joins_its_thread(desk: InProcessDesk) -> None:
    await ingest(desk, item("root", "the question"))
    await ingest(desk, item("answer", "the follow-up", reply_to="root"))

    async with desk.db.read() as session:
        threads = (await session.execute(select(col(Message.external_id), col(Message.thread_id))
                                         .order_by(col(Message.id)))).all()
    assert threads[0][1] == threads[1][1]


async def test_webhooks_at_once_are_stored_each_once(desk: InProcessDesk) -> None:
    shared = new_item("a retried post")
    answers = await asyncio.gather(*(
        desk.webhook([shared, new_item(f"post {n}")]) for n in range(8)))

    assert all(a.status_code == 200 for a in answers)
    assert sum(a.json()["stored"] for a in answers) == 9
    assert await count(desk, Message) == 9


async def test_an_unknown_channel_or_a_bad_signature_stores_nothing(desk: InProcessDesk) -> None:
    with pytest.raises(NotFound):
        await do_ingest(desk.desk.ingest, 99999, [item("x")])
    before = await desk.footprint()
    refused = await desk.webhook([new_item()], secret="not the secret")
    assert refused.status_code == 401
    assert (await desk.webhook([new_item()], channel_id=99999)).status_code == 404
    assert await desk.footprint() == before
