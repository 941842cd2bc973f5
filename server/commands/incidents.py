"""Commands on incidents: the list, one incident, and the supervisors' corrections."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.actions.incidents import (
    MAX_SPLIT,
    MAX_TITLE,
    do_close_incident,
    do_merge_incidents,
    do_rename_incident,
    do_split_incident,
)
from server.commands.inputs import Chars, CommandInput, Id
from server.commands.registry import Call, Command, Rest
from server.commands.results import Result
from server.errors import Conflict, Invalid, NotFound
from server.events import IncidentView
from server.queries.incidents import incident_detail, list_incidents


class IncidentListInput(CommandInput):
    status: Literal["open", "closed", "merged"] | None = Field(
        None, description="default: open and closed")
    limit: int = Field(100, ge=1, le=1000)


class IncidentRef(CommandInput):
    incident_id: Id


class RenameInput(IncidentRef):
    title: Annotated[str, Chars(MAX_TITLE)]


class MergeInput(IncidentRef):
    into: Id = Field(description="the incident that takes this one's posts and threads")


class SplitInput(IncidentRef):
    thread_ids: list[Id] = Field(max_length=MAX_SPLIT, description="at least one")
    title: Annotated[str, Chars(MAX_TITLE)]


class Incidents(Result):
    incidents: list[IncidentView]


class IncidentAnswer(Result):
    incident: IncidentView


class TimelinePoint(Result):
    minute: str
    posts: int


class SamplePost(Result):
    message_id: int
    thread_id: int
    network: str
    at: str
    text: str


class IncidentDetail(IncidentAnswer):
    negative: int = Field(description="posts read as negative")
    timeline: list[TimelinePoint] = Field(description="posts per minute")
    samples: list[SamplePost] = Field(description="its newest posts")


async def incidents(call: Call, data: IncidentListInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        found = await list_incidents(session, data.status, data.limit)
    return {"incidents": [view.model_dump() for view in found]}


async def incident(call: Call, data: IncidentRef) -> dict[str, object]:
    async with call.desk.db.read() as session:
        detail = await incident_detail(session, data.incident_id)
    return {**detail, "incident": detail["incident"].model_dump()}


async def rename(call: Call, data: RenameInput) -> dict[str, object]:
    view = await do_rename_incident(call.desk.db, call.actor, data.incident_id, data.title)
    return {"incident": view.model_dump()}


async def merge(call: Call, data: MergeInput) -> dict[str, object]:
    view = await do_merge_incidents(call.desk.db, call.actor, data.incident_id, data.into)
    return {"incident": view.model_dump()}


async def split(call: Call, data: SplitInput) -> dict[str, object]:
    view = await do_split_incident(call.desk.db, call.actor, data.incident_id,
                                    data.thread_ids, data.title)
    return {"incident": view.model_dump()}


async def close(call: Call, data: IncidentRef) -> dict[str, object]:
    view = await do_close_incident(call.desk.db, call.actor, data.incident_id)
    return {"incident": view.model_dump()}


INCIDENT = "/api/incidents/{incident_id}"
COMMANDS = [
    Command("incident.list", IncidentListInput, incidents,
            "Incidents, the latest active first: near-duplicate complaints grouped.",
            permission="thread.view", result=Incidents, rest=Rest("GET", "/api/incidents"),
            tags=("incidents",)),
    Command("incident.get", IncidentRef, incident,
            "One incident with its posts per minute and its newest posts.",
            permission="thread.view", result=IncidentDetail, rest=Rest("GET", INCIDENT),
            errors=(NotFound,), tags=("incidents",)),
    Command("incident.rename", RenameInput, rename, "Give an open incident a title.",
            permission="incident.manage", result=IncidentAnswer, rest=Rest("PATCH", INCIDENT),
            errors=(NotFound, Conflict, Invalid), tags=("incidents",)),
    Command("incident.merge", MergeInput, merge,
            "Merge an open incident into another: its posts and threads move there.",
            permission="incident.manage", result=IncidentAnswer,
            rest=Rest("POST", f"{INCIDENT}/merge"), errors=(NotFound, Conflict, Invalid),
            tags=("incidents",)),
    Command("incident.split", SplitInput, split,
            "Take some threads of an open incident, with their posts, into a new incident.",
            permission="incident.manage", result=IncidentAnswer,
            rest=Rest("POST", f"{INCIDENT}/split"), errors=(NotFound, Conflict, Invalid),
            tags=("incidents",)),
    Command("incident.close", IncidentRef, close,
            "Close an open incident: no new post joins it; its threads keep its name.",
            permission="incident.manage", result=IncidentAnswer,
            rest=Rest("POST", f"{INCIDENT}/close"), errors=(NotFound, Conflict),
            tags=("incidents",)),
]
