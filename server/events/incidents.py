"""Events of incidents: near-duplicate complaints grouped (server/incidents/)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from server.events.base import DeskEvent, Strict
from server.models.time import iso


class IncidentView(Strict):
    id: int
    title: str
    status: Literal["open", "closed", "merged"]
    size: int  # inbound posts grouped into it
    networks: list[str]
    first_at: str
    last_at: str
    merged_into_id: int | None


def view_of(row: Any) -> IncidentView:
    """The view of an incident row (a model or a Core row with its columns)."""
    return IncidentView(id=row.id, title=row.title, status=row.status, size=row.size,
                        networks=list(row.networks), first_at=iso(row.first_at) or "",
                        last_at=iso(row.last_at) or "", merged_into_id=row.merged_into_id)


class IncidentChanged(DeskEvent):
    """An incident opened, grew, was renamed, merged, split or closed. The threads in
    `joined` now belong to it (their cards' incident_id is its id); threads a split took
    out are in the new incident's event."""

    type: ClassVar[str] = "incident.changed"
    incident: IncidentView
    joined: list[int]
