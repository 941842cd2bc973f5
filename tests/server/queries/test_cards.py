"""server/queries/cards.py: the board's cards and filters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from server.models import Channel, Contact, Message, Thread, User
from server.queries.cards import BoardFilter, board_cards, card_of, cards_by_id
from server.reading import read_message
from tests.support.inprocess import InProcessDesk, Person
from tests.support.scenes import claimed


async def ids(desk: InProcessDesk, person: Person, by_activity: bool = False, **filters: Any
              ) -> list[int]:
    async with desk.db.read() as session:
        cards = await board_cards(session, await desk.actor(person), BoardFilter(**filters),
                                  by_activity=by_activity)
    return [c.id for c in cards]


async def test_the_filters_pick_what_they_say(desk: InProcessDesk) -> None:
    mine = await claimed(desk, "mine to answer")
    assigned = await desk.post("assigned to me")
    await desk.ok(desk.supervisor, "POST", f"/api/threads/{assigned['id']}/assign",
                  json={"user_id": desk.agent.id})
    private = await desk.post("a private word", visibility="private",
                              author={"id": "p", "name": "Petra Private"})
    done = await desk.post("already solved")
    await desk.ok(desk.agent, "PATCH", f"/api/threads/{done['id']}", json={"status": "resolved"})
    every = [done["id"], private["id"], assigned["id"], mine["id"]]

    assert await ids(desk, desk.agent, status="all") == every  # newest thread first
    assert await ids(desk, desk.agent) == every[1:]  # resolved ones only when asked
    assert await ids(desk, desk.agent, status="resolved") == [done["id"]]
    assert await ids(desk, desk.agent, mine=True) == [assigned["id"], mine["id"]]
    assert await ids(desk, desk.colleague, mine=True) == []
    assert await ids(desk, desk.agent, unclaimed=True) == [private["id"], assigned["id"]]
    assert await ids(desk, desk.agent, visibility="private") == [private["id"]]
    assert await ids(desk, desk.agent, q="PETRA") == [private["id"]]
    assert await ids(desk, desk.agent, q="SOLVED", status="all") == [done["id"]]
    assert await ids(desk, desk.agent, network="facebook") == []
    assert await ids(desk, desk.agent, status="all", before_id=assigned["id"]) == [mine["id"]]
    assert await ids(desk, desk.agent, status="all", limit=2) == every[:2]


async def test_by_activity_the_newest_message_comes_first(desk: InProcessDesk) -> None:
    older = await desk.post("first", thread="talk")
    newer = await desk.post("second")
    await desk.post("third", thread="talk")

    assert await ids(desk, desk.agent, by_activity=True) == [older["id"], newer["id"]]


async def test_a_card_from_rows_in_hand_is_the_card_the_query_reads(desk: InProcessDesk) -> None:
    card = await claimed(desk)
    async with desk.db.read() as session:
        thread = await session.get(Thread, card["id"])
        assert thread is not None
        channel = await session.get(Channel, thread.channel_id)
        contact = await session.get(Contact, thread.contact_id)
        holder = await session.get(User, desk.agent.id)
        customer_last_at = await session.scalar(select(func.max(col(Message.created_at))).where(
            col(Message.thread_id) == thread.id))
        newest = await session.scalar(
            select(Message).where(col(Message.thread_id) == thread.id,
                                  col(Message.direction) == "in")
            .order_by(col(Message.created_at).desc(), col(Message.id).desc()).limit(1))
        read = (await cards_by_id(session, [card["id"]]))[card["id"]]
    assert channel is not None and contact is not None and newest is not None
    reading = read_message(newest.text)
    assert card_of(thread.model_dump(), channel, contact, holder, None, customer_last_at,
                   reading=reading) == read
    assert read.holder is not None and read.holder.id == desk.agent.id
