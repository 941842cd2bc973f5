"""server/actions/arrivals.py: what an ingest step is handed, and how what it sets or
assigns reaches the thread row and the cards of the batch's events."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest

from channels.base import InboundItem
from server.actions.arrivals import Arrival, ArrivingThread, Someone
from server.actions.ingest import do_ingest
from server.models import Contact, Thread
from tests.support.inprocess import InProcessDesk


def item(external_id: str, text: str, **extra: Any) -> InboundItem:
    values: dict[str, Any] = {"author_id": "ulla", "author_name": "Ulla",
                              "visibility": "public", "thread_key": "conversation"}
    return InboundItem(external_id=external_id, text=text, **{**values, **extra})


class Dispatcher:
    """A step as a dispatcher would be: a refund goes to one person, tagged; "thanks" gives
    the thread back to nobody and parks it."""

    def __init__(self, user_id: int, name: str) -> None:
        self.user_id, self.name = user_id, name
        self.seen: list[Arrival] = []
        self.opened: list[bool] = []  # as each arrival's thread was when the step ran

    async def arrived(self, tx: Any, arrivals: Sequence[Arrival], now: datetime) -> None:
        self.seen += arrivals
        for arrival in arrivals:
            self.opened.append(arrival.thread.opened)
            if "refund" in arrival.item.text:
                arrival.thread.assign(self.user_id, self.name)
                arrival.thread.set("tags", ["refund"])
            elif "thanks" in arrival.item.text:
                arrival.thread.assign(None)
                arrival.thread.set("status", "pending")


@pytest.fixture
def dispatcher(desk: InProcessDesk) -> Iterator[Dispatcher]:
    step = Dispatcher(desk.agent.id, desk.agent.name)
    desk.desk.ingest.steps.append(step)
    yield step
    desk.desk.ingest.steps.remove(step)


async def test_an_assignment_lands_on_the_row_and_on_the_card_with_the_name(
    desk: InProcessDesk, dispatcher: Dispatcher
) -> None:
    async with desk.capture() as got:
        done = await do_ingest(desk.desk.ingest, desk.channel_id,
                               [item("a-1", "I want a refund")])

    [arrival] = dispatcher.seen
    assert arrival.message_id == done.stored[0]
    assert arrival.channel.id == desk.channel_id and dispatcher.opened == [True]
    contact = await desk.row(Contact, arrival.contact_id)
    assert contact.external_id == "ulla" and arrival.customer_id == contact.customer_id
    card = got.one("message.added")["card"]
    assert card["assignee"] == {"id": desk.agent.id, "name": desk.agent.name}
    assert card["tags"] == ["refund"]
    row = await desk.row(Thread, arrival.thread.id)
    assert (row.assignee_id, row.tags) == (desk.agent.id, ["refund"])


async def test_a_step_on_a_continued_thread_unassigns_it_and_changes_its_status(
    desk: InProcessDesk, dispatcher: Dispatcher
) -> None:
    await do_ingest(desk.desk.ingest, desk.channel_id, [item("b-1", "refund please")])

    async with desk.capture() as got:
        await do_ingest(desk.desk.ingest, desk.channel_id, [item("b-2", "thanks a lot")])

    second = dispatcher.seen[-1]
    assert dispatcher.opened == [True, False]
    assert second.thread.changed == {"assignee_id", "status"}
    assert got.types == ["message.added"]
    card = got.one("message.added")["card"]
    assert (card["assignee"], card["status"], card["tags"]) == (None, "pending", ["refund"])
    row = await desk.row(Thread, second.thread.id)
    assert (row.assignee_id, row.status, row.message_count) == (None, "pending", 2)


def test_a_step_may_set_only_the_columns_steps_decide() -> None:
    thread = ArrivingThread(row={"id": 7, "excerpt": "hi"}, author=Someone(1, "Ulla"),
                            holder=None, assignee=None, customer_last_at=None, opened=True)
    for kept in ("excerpt", "claim_holder_id", "customer_id"):
        with pytest.raises(ValueError, match=kept):
            thread.set(kept, None)
    assert thread.changed == set() and thread.row == {"id": 7, "excerpt": "hi"}
    thread.assign(3, "Anna")
    assert thread.assignee == Someone(3, "Anna") and thread.row["assignee_id"] == 3
