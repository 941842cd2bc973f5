"""Internal notes on a thread, with @mentions that reach the mentioned people live.

A mention is "@" followed by a person's name ("@Anna Schmidt", "@AnnaSchmidt",
"@anna.schmidt") or the local part of their e-mail address ("@anna"). Notes never leave
the desk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.errors import Invalid, NotFound
from server.events import Mentioned, NoteAdded, NoteView, UserRef, event_row
from server.models import Note, Thread, User
from server.permissions import Actor
from server.queries.notes import note_view

MAX_NOTE = 5000
EXCERPT = 200
# After a mention: not a word character or hyphen, nor a dot that continues a word.
_END = r"(?![\w-]|\.\w)"


def _spellings(user: User) -> set[str]:
    name = " ".join(user.name.split())
    spellings = {name, name.replace(" ", ""), name.replace(" ", "."), name.replace(" ", "_"),
                 user.email.split("@", 1)[0]}
    return {s for s in spellings if s}


def find_mentions(text: str, users: Sequence[User]) -> list[User]:
    """The people a note mentions, in the order they come up in the list given."""
    if "@" not in text:
        return []
    found = []
    for user in users:
        for spelling in sorted(_spellings(user), key=len, reverse=True):
            if re.search("@" + re.escape(spelling) + _END, text, flags=re.IGNORECASE):
                found.append(user)
                break
    return found


async def do_add_note(db: Database, actor: Actor, thread_id: int, text: str) -> NoteView:
    text = text.strip()
    if not text:
        raise Invalid("A note needs some text.")
    if len(text) > MAX_NOTE:
        raise Invalid("A note has at most %(count)d characters.", count=MAX_NOTE)
    async with db.write() as tx:
        thread = await tx.session.get(Thread, thread_id)
        if thread is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        users = (await tx.session.scalars(
            select(User).where(col(User.active)).order_by(col(User.id))
        )).all()
        mentioned = find_mentions(text, users)
        note = Note(thread_id=thread_id, author_id=actor.id, text=text,
                    mentions=[u.id for u in mentioned])  # type: ignore[misc]
        tx.session.add(note)
        await tx.session.flush()
        names = {u.id: u.name for u in mentioned} | {actor.id: actor.name}
        view = note_view(note, names)  # type: ignore[arg-type]
        tx.audit("note.add", actor.id, thread_id, note_id=note.id, mentions=note.mentions)
        tx.emit(event_row(NoteAdded(note=view), thread_id=thread_id))
        by = UserRef(id=actor.id, name=actor.name)
        for user in mentioned:
            if user.id == actor.id:
                continue
            tx.emit(event_row(
                Mentioned(note_id=note.id, thread_id=thread_id, by=by,
                          text=text[:EXCERPT], thread_excerpt=thread.excerpt[:EXCERPT]),
                thread_id=thread_id, user_id=user.id,
            ))
    return view
