"""The reports page: the period and filters in the query string, each report run through its
command (the same the REST API serves), shown as a chart (Chart.js, web/static/js/reports.js)
with the table of its figures beside it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.commands.registry import Call
from server.errors import DeskError
from server.permissions import Actor
from web.forms import error_text, guard, page

viewer = guard("report.view")
FILTERS = ("since", "until", "network", "channel_id", "tag")
HEAT_LEVELS = 5


def _filters(request: Request) -> dict[str, str]:
    return {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}


async def _serve(request: Request, actor: Actor, name: str, data: dict[str, str]
                 ) -> dict[str, Any]:
    desk = request.app.state.desk
    call = Call(desk=desk, actor=actor, language=request.state.language, transport="page")
    return await desk.commands.commands[name].serve(call, data, strings=True)


def heat_grid(cells: list[dict[str, int]]) -> list[list[tuple[int, int]]]:
    """Weekday rows (Monday first) of 24 (messages, level 0..5) for the heatmap table."""
    counts = {(c["weekday"], c["hour"]): c["messages"] for c in cells}
    top = max(counts.values(), default=0)
    return [[(n := counts.get((day, hour), 0),
              0 if not n else max(1, round(HEAT_LEVELS * n / top))) for hour in range(24)]
            for day in (1, 2, 3, 4, 5, 6, 0)]


async def reports(request: Request, actor: Actor) -> Response:
    filters = _filters(request)
    try:
        volume = await _serve(request, actor, "report.volume", filters)
        times = await _serve(request, actor, "report.response_times", filters)
    except DeskError as error:
        return page(request, "reports.html", status_code=error.status, filters=filters,
                    error=error_text(request, error), volume=None, times=None)
    return page(request, "reports.html", filters=filters, volume=volume, times=times,
                heat=heat_grid(volume["heatmap"]), query=urlencode(filters))


def _periods(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "this", report
    yield "previous", report["previous"]


def volume_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield ["period", "since", "until", "network", "channel_id", "channel_name", "messages"]
    for name, p in _periods(report):
        for c in p["by_channel"]:
            yield [name, p["since"], p["until"], c["network"], c["channel_id"],
                   c["channel_name"], c["messages"]]


def heatmap_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield ["period", "since", "until", "weekday", "hour", "messages"]
    for name, p in _periods(report):
        for c in p["heatmap"]:
            yield [name, p["since"], p["until"], c["weekday"], c["hour"], c["messages"]]


def times_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    yield ["period", "since", "until", "measure", "count", "waiting", "mean_seconds",
           "p50_seconds", "p90_seconds"]
    for name, p in _periods(report):
        for measure in ("first_response", "handling"):
            d = p[measure]
            yield [name, p["since"], p["until"], measure, d["count"], d["waiting"],
                   d["mean"], d["p50"], d["p90"]]


# The CSV of each report: the command it runs and how its answer becomes rows.
CSV_REPORTS: dict[str, tuple[str, Callable[[dict[str, Any]], Iterator[list[Any]]]]] = {
    "volume": ("report.volume", volume_rows),
    "heatmap": ("report.volume", heatmap_rows),
    "response-times": ("report.response_times", times_rows),
}


async def report_csv(request: Request, actor: Actor) -> Response:
    name = request.path_params["name"]
    if name not in CSV_REPORTS:
        return page(request, "not_found.html", status_code=404)
    command, rows = CSV_REPORTS[name]
    report = await _serve(request, actor, command, _filters(request))
    out = io.StringIO()
    csv.writer(out).writerows(["" if v is None else v for v in row] for row in rows(report))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="{name}-{report["since"]}.csv"'})


routes = [Route("/reports", viewer(reports)),
          Route("/reports/{name:str}.csv", viewer(report_csv))]
