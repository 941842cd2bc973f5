"""The war room's KPIs over REST and the socket (pushed every few seconds as `kpis`)."""

from __future__ import annotations

from server.commands.inputs import NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import Result
from server.warroom.service import current_kpis


class KpiAnswer(Result):
    at: str
    volume: int
    volume_baseline: float
    volume_series: list[int]
    backlog: int
    oldest_wait_seconds: int | None
    first_response_p50_seconds: int | None
    first_response_p90_seconds: int | None
    sla_compliance: float | None
    negative_share: float | None
    escalation_rate: float | None
    repeat_contacts: float | None
    agents_online: int
    approvals_waiting: int


async def kpis(call: Call, _: NoInput) -> dict[str, object]:
    online = len(await call.desk.live.online())
    figures = await current_kpis(call.desk.db, call.desk.settings, online)
    return figures.as_json()


COMMANDS = [
    Command("kpi.get", NoInput, kpis,
            "The seven early-warning KPIs, agents online and approvals waiting "
            "(docs/war-room.md).",
            permission="thread.view", result=KpiAnswer, rest=Rest("GET", "/api/kpis"),
            tags=("war room",)),
]
