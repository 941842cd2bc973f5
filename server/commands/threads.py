"""Commands on threads: the board's list, one thread, claims, assignment, status."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field

from server.actions.claims import do_assign, do_claim, do_release
from server.actions.threads import MAX_TAGS, do_update_thread
from server.commands.inputs import AnyFlag, Chars, CommandInput, Id, NoInput, ThreadRef
from server.commands.registry import Call, Command, Rest
from server.commands.results import (
    Assigned,
    Claimed,
    Me,
    Released,
    ThreadDetail,
    ThreadList,
    Updated,
)
from server.errors import ClaimHeld, Conflict, NotFound
from server.queries.cards import PRIORITIES, BoardFilter, board_cards, cards_by_id
from server.queries.threads import thread_messages
from server.statuses import Named, NamedOrAll

# Thread.reason's column length.
REASON_LENGTH = 64
Priority = Literal["low", "normal", "high", "urgent"]
assert set(PRIORITIES) == set(get_args(Priority))


class ThreadListInput(CommandInput):
    network: Annotated[str, Chars(32)] | None = Field(
        None, description="facebook, instagram, x, ...")
    status: NamedOrAll | None = Field(
        None, description="default: all but resolved and closed; pending: waiting")
    visibility: Literal["public", "private"] | None = None
    mine: AnyFlag = Field(None, description="claimed by or assigned to the caller")
    unclaimed: AnyFlag = Field(None, description="nobody holds it")
    team: Id | None = None
    q: Annotated[str, Chars(200)] | None = Field(
        None, description="text in the excerpt, the author's name or handle")
    sentiment: Literal["negative", "neutral", "positive"] | None = Field(
        None, description="the sentiment of the thread's newest inbound message")
    incident: Id | None = Field(None, description="only threads of this incident")
    limit: int = Field(500, ge=1, le=5000)
    before: Id | None = Field(None, description="only thread ids below this one")


class ClaimInput(ThreadRef):
    take_over: bool = Field(False, description="needs thread.takeover")


class AssignInput(ThreadRef):
    user_id: Id | None = Field(description="null: nobody")


class UpdateInput(ThreadRef):
    status: Named | None = Field(None, description="pending: the former name of waiting")
    priority: Priority | None = None
    tags: list[Annotated[str, Chars(40)]] | None = Field(None, max_length=MAX_TAGS)
    reason: Annotated[str, Chars(REASON_LENGTH)] | None = Field(
        None, description="the contact reason")


async def me(call: Call, _: NoInput) -> Me:
    actor = call.actor
    return Me(id=actor.id, email=actor.email, name=actor.name, role=actor.role,
              permissions=sorted(actor.permissions), language=actor.language,
              team_id=actor.team_id)


async def list_threads(call: Call, data: ThreadListInput) -> ThreadList | dict[str, object]:
    flt = BoardFilter(
        network=data.network, status=data.status, mine=bool(data.mine),
        unclaimed=bool(data.unclaimed), team_id=data.team, visibility=data.visibility,
        q=(data.q or "").strip() or None, sentiment=data.sentiment,
        incident_id=data.incident, limit=data.limit,
        before_id=data.before,
    )
    # Read the stream's position first: the cards are then at least as new as `seq`.
    seq = call.desk.live.stream_position()
    async with call.desk.db.read() as session:
        cards = await board_cards(session, call.actor, flt)
    return {"seq": seq, "threads": [c.model_dump(mode="json") for c in cards]}


async def get_thread(call: Call, data: ThreadRef) -> dict[str, object]:
    async with call.desk.db.read() as session:
        found = await cards_by_id(session, [data.thread_id])
    if data.thread_id not in found:
        raise NotFound("There is no thread %(id)s.", id=data.thread_id)
    messages = await thread_messages(call.desk.db, data.thread_id)
    return {"thread": found[data.thread_id].model_dump(mode="json"), "messages": messages}


async def claim(call: Call, data: ClaimInput) -> dict[str, object]:
    result = await do_claim(call.desk.claims, call.actor, data.thread_id,
                            call.desk.settings.claim_grace_seconds, take_over=data.take_over)
    return {"claim": result.as_json()}


async def release(call: Call, data: ThreadRef) -> dict[str, object]:
    await do_release(call.desk.db, call.actor, data.thread_id)
    return {"released": True}


async def assign(call: Call, data: AssignInput) -> dict[str, object]:
    await do_assign(call.desk.db, call.actor, data.thread_id, data.user_id)
    return {"assigned": data.user_id}


async def update(call: Call, data: UpdateInput) -> dict[str, object]:
    fields = data.model_dump(include={"status", "priority", "tags", "reason"}, exclude_none=True)
    await do_update_thread(call.desk.db, call.actor, data.thread_id, **fields)
    return {"updated": sorted(fields)}


THREADS = "/api/threads/{thread_id}"
COMMANDS = [
    Command("me", NoInput, me, "Who is calling: the caller's user, role and permissions.",
            permission=None, result=Me, rest=Rest("GET", "/api/me"), tags=("caller",)),
    Command("thread.list", ThreadListInput, list_threads,
            "The board's cards passing the filters, newest first, with the stream position.",
            permission="thread.view", result=ThreadList, rest=Rest("GET", "/api/threads"),
            tags=("threads",)),
    Command("thread.get", ThreadRef, get_thread, "One thread's card and its messages.",
            permission="thread.view", result=ThreadDetail, rest=Rest("GET", THREADS),
            errors=(NotFound,), tags=("threads",)),
    Command("claim", ClaimInput, claim,
            "Claim a thread (or renew your claim) so that nobody else answers it.",
            permission="thread.claim", result=Claimed, rest=Rest("POST", f"{THREADS}/claim"),
            errors=(NotFound, ClaimHeld), tags=("threads",)),
    Command("release", ThreadRef, release, "Release your claim on a thread.",
            permission="thread.claim", result=Released, rest=Rest("POST", f"{THREADS}/release"),
            errors=(NotFound, Conflict), tags=("threads",)),
    Command("assign", AssignInput, assign, "Assign a thread to a person, or to nobody.",
            permission="thread.assign", result=Assigned, rest=Rest("POST", f"{THREADS}/assign"),
            errors=(NotFound, Conflict), tags=("threads",)),
    Command("update", UpdateInput, update,
            "Change a thread's status, priority, tags or contact reason.",
            permission="thread.update", result=Updated, rest=Rest("PATCH", THREADS),
            errors=(NotFound, ClaimHeld), tags=("threads",)),
]
