"""Reports as JSON, for the /reports page and for BI tools: each a command, so each is in
OpenAPI. Every report answers the period asked for and, under `previous`, the period of as
many days just before it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import Field

from server.commands.audit import Day, day_of
from server.commands.inputs import Chars, CommandInput, Id
from server.commands.registry import Call, Command, Rest
from server.commands.report_results import ResponseTimesReport, VolumeReport
from server.errors import N_, Invalid
from server.models.time import utcnow
from server.queries.reports import ReportFilter, response_times, volume

DEFAULT_DAYS = 28
MAX_DAYS = 366


class ReportInput(CommandInput):
    since: Day | None = Field(None, description="first day (UTC), YYYY-MM-DD; default: "
                                                "27 days before until")
    until: Day | None = Field(None, description="last day (UTC), inclusive; default: today")
    network: Annotated[str, Chars(32)] | None = None
    channel_id: Id | None = None
    tag: Annotated[str, Chars(40)] | None = None


def report_filter(data: ReportInput) -> ReportFilter:
    """The threads the input asks for; a period backwards or over a year is refused."""
    until = day_of("until", data.until) or utcnow().date()
    since = day_of("since", data.since) or until - timedelta(days=DEFAULT_DAYS - 1)
    if until < since:
        raise Invalid(N_("The period ends before it starts."))
    if (until - since).days >= MAX_DAYS:
        raise Invalid(N_("A report covers at most %(days)s days."), days=MAX_DAYS)
    return ReportFilter(since=since, until=until, network=data.network or None,
                        channel_id=data.channel_id, tag=data.tag or None)


async def report_volume(call: Call, data: ReportInput) -> dict[str, Any]:
    return await volume(call.desk.db, report_filter(data))


async def report_response_times(call: Call, data: ReportInput) -> dict[str, Any]:
    return await response_times(call.desk.db, report_filter(data))


TAGS = ("reports",)
COMMANDS = [
    Command("report.volume", ReportInput, report_volume,
            "Inbound messages by network and channel, and by weekday and hour of day (UTC), "
            "with the previous period.", permission="report.view", result=VolumeReport,
            rest=Rest("GET", "/api/reports/volume"), tags=TAGS),
    Command("report.response_times", ReportInput, report_response_times,
            "First-response and handling times (seconds: mean, p50, p90) of the threads "
            "created in the period, with the previous period.", permission="report.view",
            result=ResponseTimesReport, rest=Rest("GET", "/api/reports/response-times"),
            tags=TAGS),
]
