"""Saved board views: save one for yourself or for your team, delete one.

A view is the board's query string (web/static/js/board.js writes it into the URL); the
desk keeps only the parameters the board knows, so a saved view never carries anything else.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.errors import Forbidden, Invalid, NotFound
from server.models import BoardView
from server.permissions import Actor
from server.queries.board_views import view_json

MAX_NAME = 80
MAX_QUERY = 500
MAX_VIEWS = 50  # per person, and per team
# The board's own parameters (the filter form in web/templates/board.html).
BOARD_PARAMETERS = ("q", "network", "status", "visibility", "sentiment", "team", "clock", "sort",
                    "mine", "unclaimed")


def clean_query(query: str) -> str:
    """The board parameters of `query`, in a fixed order; refuses one that has none."""
    pairs = dict(parse_qsl(query.lstrip("?"), keep_blank_values=False))
    kept = [(name, pairs[name]) for name in BOARD_PARAMETERS if pairs.get(name)]
    unknown = sorted(set(pairs) - set(BOARD_PARAMETERS))
    if unknown:
        raise Invalid("A view holds only the board's filters and order, not %(names)s.",
                      names=", ".join(unknown))
    return urlencode(kept)


async def do_save_view(db: Database, actor: Actor, name: str, query: str, shared: bool
                       ) -> dict[str, object]:
    name = " ".join(name.split())
    if not name:
        raise Invalid("A view needs a name.")
    cleaned = clean_query(query)
    if shared and actor.team_id is None:
        raise Invalid("You are in no team: save the view for yourself.")
    async with db.write() as tx:
        mine = col(BoardView.team_id) == actor.team_id if shared else (
            col(BoardView.owner_id) == actor.id)
        count = len((await tx.session.scalars(select(BoardView.id).where(mine))).all())
        if count >= MAX_VIEWS:
            raise Invalid("At most %(count)d saved views each.", count=MAX_VIEWS)
        view = BoardView(name=name, query=cleaned, created_by_id=actor.id,
                         owner_id=None if shared else actor.id,
                         team_id=actor.team_id if shared else None)
        tx.session.add(view)
        await tx.session.flush()
        tx.audit("view.save", actor.id, view_id=view.id, name=name, query=cleaned,
                 team_id=view.team_id)
    return view_json(view, actor)


async def do_delete_view(db: Database, actor: Actor, view_id: int) -> int:
    """Your own views, and your team's shared ones, are yours to delete."""
    async with db.write() as tx:
        view = await tx.session.get(BoardView, view_id)
        visible = view is not None and (view.owner_id == actor.id or (
            view.team_id is not None and view.team_id == actor.team_id))
        if view is None or not visible:
            raise NotFound("No such view.")
        if view.owner_id is None and view.created_by_id != actor.id and not actor.can(
                "admin.users"):
            raise Forbidden("admin.users")
        await tx.session.delete(view)
        tx.audit("view.delete", actor.id, view_id=view_id, name=view.name)
    return view_id
