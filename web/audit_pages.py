"""The audit trail page: who did what, when, on which thread; filters, paging by id, and the
CSV export of every row the filters match. Both run the `audit.list` command the REST API
serves, with the same permission check."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from server.commands.audit import MAX_PAGE
from server.commands.registry import Call
from server.errors import DeskError
from server.permissions import Actor
from web.forms import error_text, guard, page

reader = guard("audit.view")
FILTERS = ("person_id", "action", "thread_id", "since", "until")
CSV_COLUMNS = ("id", "at", "actor_id", "actor_name", "action", "thread_id", "request_id",
               "detail")


def _filters(request: Request) -> dict[str, str]:
    """The filters set in the query string, as text (the command parses and bounds them)."""
    return {k: v.strip() for k in FILTERS if (v := request.query_params.get(k, "").strip())}


async def _serve(request: Request, actor: Actor, name: str, data: dict[str, str]
                 ) -> dict[str, Any]:
    desk = request.app.state.desk
    call = Call(desk=desk, actor=actor, language=request.state.language, transport="page")
    return await desk.commands.commands[name].serve(call, data, strings=True)


async def audit_list(request: Request, actor: Actor) -> Response:
    filters = _filters(request)
    data = dict(filters)
    if before := request.query_params.get("before", "").strip():
        data["before"] = before
    choices = await _serve(request, actor, "audit.choices", {})
    try:
        found = await _serve(request, actor, "audit.list", data)
    except DeskError as error:
        return page(request, "audit.html", status_code=error.status, entries=[],
                    next_before=None, filters=filters, choices=choices,
                    error=error_text(request, error), query="")
    query = urlencode(filters)
    return page(request, "audit.html", entries=found["entries"],
                next_before=found["next_before"], filters=filters, choices=choices,
                query=query, first_page="before" not in data,
                detail_text=lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True))


def csv_row(entry: dict[str, Any]) -> list[str]:
    """One audit row as the CSV has it: the detail as compact JSON."""
    return ["" if entry[c] is None else
            json.dumps(entry[c], ensure_ascii=False, sort_keys=True) if c == "detail"
            else str(entry[c]) for c in CSV_COLUMNS]


async def audit_csv(request: Request, actor: Actor) -> Response:
    filters = _filters(request)
    # Refuse bad filters before the download starts, with the page's error answer.
    first = await _serve(request, actor, "audit.list", {**filters, "limit": str(MAX_PAGE)})

    async def rows() -> AsyncIterator[str]:
        found = first
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        while True:
            for entry in found["entries"]:
                writer.writerow(csv_row(entry))
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if found["next_before"] is None:
                return
            found = await _serve(request, actor, "audit.list",
                                 {**filters, "limit": str(MAX_PAGE),
                                  "before": str(found["next_before"])})

    return StreamingResponse(rows(), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="audit.csv"'})


routes = [
    Route("/audit", reader(audit_list)),
    Route("/audit.csv", reader(audit_csv)),
]
