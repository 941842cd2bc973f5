"""server/actions/ingest.py: items stored once, threads opened or continued, boards told."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from channels.base import InboundItem
from server.actions.arrivals import Arrival, ArrivingThread
from server.actions.ingest import do_ingest
from server.errors import NotFound
from server.models import Contact, Message, Team, Thread
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
    assert card["message_count"] == 1 and card["status"] == "new"
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


class _Triage:
    """An ingest step as routing is one: new threads about invoices go to a team, urgent."""

    def __init__(self, team_id: int) -> None:
        self.team_id = team_id
        self.seen: list[tuple[int, bool]] = []

    async def arrived(self, tx: Any, arrivals: Sequence[Arrival], now: object) -> None:
        for arrival in arrivals:
            self.seen.append((arrival.message_id, arrival.thread.opened))
            if arrival.thread.opened and "invoice" in arrival.item.text:
                arrival.thread.set("team_id", self.team_id)
                arrival.thread.set("priority", "urgent")


async def test_an_ingest_step_decides_in_the_transaction_and_the_cards_show_it(
    desk: InProcessDesk
) -> None:
    async with desk.db.write() as tx:
        team = Team(name="Billing")
        tx.session.add(team)
        await tx.session.flush()
        team_id = team.id
    assert team_id is not None
    triage = _Triage(team_id)
    desk.desk.ingest.steps.append(triage)
    try:
        async with desk.capture() as got:
            stored, _ = await ingest(desk, item("s-1", "My invoice is wrong"),
                                     item("s-2", "Nice shop", author_id="bo"))
    finally:
        desk.desk.ingest.steps.remove(triage)

    assert triage.seen == [(stored[0], True), (stored[1], True)]
    cards = {e["card"]["excerpt"]: e["card"] for e in got.of("message.added")}
    assert cards["My invoice is wrong"]["priority"] == "urgent"
    assert cards["My invoice is wrong"]["team_id"] == team_id
    assert cards["Nice shop"]["priority"] == "normal"
    async with desk.db.read() as session:
        rows = {t.subject: t for t in (await session.scalars(select(Thread))).all()}
    assert (rows["My invoice is wrong"].team_id, rows["My invoice is wrong"].priority) == (
        team_id, "urgent")
    assert (rows["Nice shop"].team_id, rows["Nice shop"].priority) == (None, "normal")


def test_an_ingest_step_may_not_set_what_ingest_keeps() -> None:
    thread = ArrivingThread(row={"id": 1, "message_count": 0}, author=Contact(), holder=None,
                            assignee=None, customer_last_at=None, opened=True)
    with pytest.raises(ValueError, match="message_count"):
        thread.set("message_count", 5)
