"""Commands for internal notes on a thread, with @mentions."""

from __future__ import annotations

from typing import Annotated

from server.actions.notes import MAX_NOTE, do_add_note
from server.commands.inputs import Chars, NoInput, ThreadRef
from server.commands.registry import Call, Command, Rest
from server.commands.results import NoteAdded, Notes, People
from server.errors import NotFound
from server.queries.notes import mentionable, thread_notes


class NoteInput(ThreadRef):
    text: Annotated[str, Chars(MAX_NOTE, min_length=1)]


async def add_note(call: Call, data: NoteInput) -> dict[str, object]:
    note = await do_add_note(call.desk.db, call.actor, data.thread_id, data.text)
    return {"note": note.model_dump(mode="json")}


async def notes(call: Call, data: ThreadRef) -> dict[str, object]:
    found = await thread_notes(call.desk.db, data.thread_id)
    return {"notes": [n.model_dump(mode="json") for n in found]}


async def people(call: Call, _: NoInput) -> dict[str, object]:
    return {"people": await mentionable(call.desk.db)}


NOTES = "/api/threads/{thread_id}/notes"
COMMANDS = [
    Command("note.add", NoteInput, add_note,
            "Write an internal note; @Name mentions notify that person.",
            permission="note.write", result=NoteAdded, rest=Rest("POST", NOTES, status=201),
            errors=(NotFound,), tags=("notes",)),
    Command("note.list", ThreadRef, notes, "A thread's internal notes, oldest first.",
            permission="thread.view", result=Notes, rest=Rest("GET", NOTES), errors=(NotFound,),
            tags=("notes",)),
    Command("note.people", NoInput, people, "Who can be mentioned in a note.",
            permission="note.write", result=People, rest=Rest("GET", "/api/notes/people"),
            tags=("notes",)),
]
