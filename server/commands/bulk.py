"""Bulk commands: one change to many threads (the board's selection), each permission-
checked like the change on one thread."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.actions.bulk import MAX_THREADS, BulkChange, BulkOutcome, do_bulk
from server.actions.release_all import do_release_all
from server.actions.threads import MAX_TAGS
from server.commands.board_results import BulkDone, ReleasedAll
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.threads import Priority
from server.errors import NotFound
from server.statuses import Named


class BulkInput(CommandInput):
    thread_ids: list[Id] = Field(max_length=MAX_THREADS)
    job: Annotated[str, Chars(40)] = Field(
        "", description="your token for this job: the bulk.progress events name it")


class BulkAssignInput(BulkInput):
    user_id: Id | None = Field(description="null: nobody")


class BulkTagInput(BulkInput):
    tags: list[Annotated[str, Chars(40)]] = Field(max_length=MAX_TAGS)


class BulkPriorityInput(BulkInput):
    priority: Priority


class BulkStatusInput(BulkInput):
    status: Named


def _answer(done: BulkOutcome) -> dict[str, object]:
    return {"changed": done.changed, "skipped": done.skipped,
            "previous_status": done.previous_status}


async def bulk_assign(call: Call, data: BulkAssignInput) -> dict[str, object]:
    return _answer(await do_bulk(call.desk.db, call.actor, data.thread_ids,
                                 BulkChange(assign=True, assignee_id=data.user_id), data.job))


async def bulk_tag(call: Call, data: BulkTagInput) -> dict[str, object]:
    return _answer(await do_bulk(call.desk.db, call.actor, data.thread_ids,
                                 BulkChange(add_tags=tuple(data.tags)), data.job))


async def bulk_priority(call: Call, data: BulkPriorityInput) -> dict[str, object]:
    return _answer(await do_bulk(call.desk.db, call.actor, data.thread_ids,
                                 BulkChange(priority=data.priority), data.job))


async def bulk_status(call: Call, data: BulkStatusInput) -> dict[str, object]:
    return _answer(await do_bulk(call.desk.db, call.actor, data.thread_ids,
                                 BulkChange(status=data.status), data.job))


async def release_all(call: Call, _: NoInput) -> dict[str, object]:
    return {"released": await do_release_all(call.desk.db, call.actor)}


BULK = "/api/bulk"
COMMANDS = [
    Command("bulk.assign", BulkAssignInput, bulk_assign,
            "Assign many threads to a person, or to nobody.", permission="thread.assign",
            result=BulkDone, rest=Rest("POST", f"{BULK}/assign"), errors=(NotFound,),
            tags=("board",)),
    Command("bulk.tag", BulkTagInput, bulk_tag, "Add tags to many threads.",
            permission="thread.update", result=BulkDone, rest=Rest("POST", f"{BULK}/tag"),
            tags=("board",)),
    Command("bulk.priority", BulkPriorityInput, bulk_priority,
            "Set the priority of many threads.", permission="thread.update", result=BulkDone,
            rest=Rest("POST", f"{BULK}/priority"), tags=("board",)),
    Command("bulk.status", BulkStatusInput, bulk_status,
            "Set the status of many threads (resolve, reopen, undo).",
            permission="thread.update", result=BulkDone, rest=Rest("POST", f"{BULK}/status"),
            tags=("board",)),
    Command("claim.release_all", NoInput, release_all, "Release every claim you hold.",
            permission="thread.claim", result=ReleasedAll,
            rest=Rest("POST", "/api/me/claims/release"), tags=("board",)),
]
