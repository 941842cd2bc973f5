"""Reading one thread: its messages in order."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.models import Message
from server.models.time import iso
from server.queries.cards import reading_view, stored_reading


async def thread_messages(db: Database, thread_id: int) -> list[dict[str, object]]:
    async with db.read() as session:
        rows = (
            await session.scalars(
                select(Message).where(col(Message.thread_id) == thread_id).order_by(col(Message.id))
            )
        ).all()
    return [
        {
            "id": m.id,
            "direction": m.direction,
            "visibility": m.visibility,
            "text": m.text,
            "created_at": iso(m.created_at),
            "delivery_status": m.delivery_status,
            "contact_id": m.contact_id,
            "author_user_id": m.author_user_id,
            "authors": m.authors,
            "reading": _reading(m),
        }
        for m in rows
    ]


def _reading(message: Message) -> dict[str, object] | None:
    view = reading_view(stored_reading(message.language, message.sentiment_score,
                                       message.sentiment_label))
    return view.model_dump(mode="json") if view else None
