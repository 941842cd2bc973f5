"""Commands for the board itself: saved views."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.actions.board_views import MAX_NAME, MAX_QUERY, do_delete_view, do_save_view
from server.commands.board_results import SavedViews, ViewAnswer
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import Deleted
from server.errors import Forbidden, NotFound
from server.queries.board_views import views_for


class SaveViewInput(CommandInput):
    name: Annotated[str, Chars(MAX_NAME, min_length=1)]
    query: Annotated[str, Chars(MAX_QUERY)] = Field(
        description="the board's query string: q, network, status, visibility, sentiment, "
                    "team, clock, sort, mine, unclaimed")
    shared: bool = Field(False, description="shared with your team instead of only yours")


class ViewRef(CommandInput):
    view_id: Id


async def views(call: Call, _: NoInput) -> dict[str, object]:
    return {"views": await views_for(call.desk.db, call.actor)}


async def save_view(call: Call, data: SaveViewInput) -> dict[str, object]:
    return {"view": await do_save_view(call.desk.db, call.actor, data.name, data.query,
                                       data.shared)}


async def delete_view(call: Call, data: ViewRef) -> dict[str, object]:
    return {"deleted": await do_delete_view(call.desk.db, call.actor, data.view_id)}


COMMANDS = [
    Command("view.list", NoInput, views, "Your saved board views, then your team's.",
            permission="thread.view", result=SavedViews, rest=Rest("GET", "/api/views"),
            tags=("board",)),
    Command("view.save", SaveViewInput, save_view,
            "Save the board's filters and order under a name, for you or your team.",
            permission="thread.view", result=ViewAnswer,
            rest=Rest("POST", "/api/views", status=201), tags=("board",)),
    Command("view.delete", ViewRef, delete_view,
            "Delete a view of yours, or one you shared with your team.",
            permission="thread.view", result=Deleted,
            rest=Rest("DELETE", "/api/views/{view_id}"), errors=(NotFound, Forbidden),
            tags=("board",)),
]
