"""What people keep of the board: saved views (a named set of filters and an order)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class BoardView(SQLModel, table=True):
    """A saved board view: the board's query string (filters and order) under a name.

    Personal (`owner_id` set) or shared with a team (`team_id` set): every member of the
    team sees it on their board."""

    __tablename__ = "board_view"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    query: str = Field(max_length=500)
    owner_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
