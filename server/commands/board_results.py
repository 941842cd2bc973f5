"""The shapes the board commands answer with (see results.py for the rest)."""

from __future__ import annotations

from server.commands.results import Result


class SavedView(Result):
    id: int
    name: str
    query: str
    shared: bool
    mine: bool


class SavedViews(Result):
    views: list[SavedView]


class ViewAnswer(Result):
    view: SavedView


class Skipped(Result):
    id: int
    reason: str  # claim_held: somebody else holds it; not_found: no such thread


class BulkDone(Result):
    changed: list[int]
    skipped: list[Skipped]
    # status -> the changed threads that had it before: what an undo sets back
    previous_status: dict[str, list[int]]


class ReleasedAll(Result):
    released: list[int]  # the threads whose claim you let go
