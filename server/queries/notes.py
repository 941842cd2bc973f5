"""Reading notes: a thread's notes and who can be mentioned."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.db import Database
from server.errors import NotFound
from server.events import NoteView, UserRef
from server.models import Note, Thread, User
from server.models.time import iso


def note_view(note: Note, names: dict[int, str]) -> NoteView:
    return NoteView(
        id=note.id,
        thread_id=note.thread_id,
        author=UserRef(id=note.author_id, name=names.get(note.author_id, "?")),
        text=note.text,
        mentions=[UserRef(id=i, name=names[i]) for i in note.mentions if i in names],
        created_at=iso(note.created_at),
    )


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await session.execute(
        select(col(User.id), col(User.name)).where(col(User.id).in_(ids))
    )).all()
    return dict(rows)  # type: ignore[arg-type]


async def thread_notes(db: Database, thread_id: int) -> list[NoteView]:
    async with db.read() as session:
        if await session.get(Thread, thread_id) is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        notes = (await session.scalars(
            select(Note).where(col(Note.thread_id) == thread_id).order_by(col(Note.id))
        )).all()
        names = await names_of(session, {i for n in notes for i in (n.author_id, *n.mentions)})
    return [note_view(n, names) for n in notes]


async def mentionable(db: Database) -> list[dict[str, str | int]]:
    """Who can be mentioned, with the handle the note form suggests."""
    async with db.read() as session:
        rows = (await session.execute(
            select(col(User.id), col(User.name), col(User.email))
            .where(col(User.active)).order_by(col(User.name))
        )).all()
    # The ids are primary keys, never None; the check only tells the type checker so.
    return [{"id": i, "name": n, "handle": e.split("@", 1)[0]} for i, n, e in rows
            if i is not None]
