"""The events an action committed, read back from the event log and checked against the
event registry (server/events/), and the board's reducer in Python.

Reading the log by seq sees exactly what a board is sent: every committed event, in order,
with the payload as stored. Each is validated with `parse_event`, so an unknown type, a
missing or an extra field fails the test that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.events import EVENT_TYPES, parse_event
from server.models import Event

# Every event type some in-process test saw (tests/server/commands/ checks it is all).
EXERCISED: set[str] = set()

Board = dict[int, dict[str, Any]]


def checked(row: Event) -> dict[str, Any]:
    """One event as a board receives it, after its payload passed its registered model."""
    assert row.type in EVENT_TYPES, f"event type {row.type} is not in the registry"
    model = parse_event(row.type, row.payload)
    assert not model.personal or row.user_id is not None, f"{row.type} is personal: no user"
    card = row.payload.get("card")
    if card is not None:
        assert card["id"] == row.thread_id, f"{row.type} carries another thread's card"
    EXERCISED.add(row.type)
    return {"seq": row.seq, "type": row.type, "thread_id": row.thread_id,
            "user_id": row.user_id, "payload": row.payload}


async def read_events(db: Database, *, after: int) -> list[dict[str, Any]]:
    async with db.read() as session:
        rows = (await session.scalars(
            select(Event).where(col(Event.seq) > after).order_by(col(Event.seq)))).all()
    return [checked(row) for row in rows]


@dataclass
class Captured:
    since: int
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of(self, event_type: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.events if e["type"] == event_type]

    def one(self, event_type: str) -> dict[str, Any]:
        found = self.of(event_type)
        assert len(found) == 1, f"{len(found)} {event_type} events in {self.types}"
        return found[0]


def apply(board: Board, events: list[dict[str, Any]]) -> Board:
    """What a board does with events (web/static/js/stream.js, CardSet without a filter):
    an event with a card replaces that thread's card; an incident's event names its incident
    on the cards of the threads that joined it; the others change no card."""
    after = dict(board)
    for event in events:
        card = event["payload"].get("card")
        if card is not None:
            after[card["id"]] = card
        if event["type"] == "incident.changed":
            incident_id = event["payload"]["incident"]["id"]
            for thread_id in event["payload"]["joined"]:
                if thread_id in after:
                    after[thread_id] = {**after[thread_id], "incident_id": incident_id}
    return after
