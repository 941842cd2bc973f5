"""The saved board views a person sees: their own, then their team's."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import col

from server.db import Database
from server.models import BoardView
from server.permissions import Actor


def view_json(view: BoardView, actor: Actor) -> dict[str, object]:
    return {"id": view.id, "name": view.name, "query": view.query,
            "shared": view.team_id is not None,
            "mine": view.created_by_id == actor.id}


async def views_for(db: Database, actor: Actor) -> list[dict[str, object]]:
    seen = col(BoardView.owner_id) == actor.id
    if actor.team_id is not None:
        seen = or_(seen, col(BoardView.team_id) == actor.team_id)
    async with db.read() as session:
        rows = (await session.scalars(
            select(BoardView).where(seen)
            .order_by(col(BoardView.team_id).is_not(None), col(BoardView.name))
        )).all()
    return [view_json(view, actor) for view in rows]
