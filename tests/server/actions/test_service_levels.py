"""Service levels: ingest starts the clocks of a policy in the team's working time, a reply
stops the response clock, waiting on the customer pauses the rest, and the timer announces
each warning and breach once, telling the team's supervisors of a breach."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from server.actions.sla_alarms import fire_due
from server.business_hours import BusinessHours, parse_week
from server.models import utcnow
from server.models.service_levels import SlaClock
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import new_person, write_draft

WEEK = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


async def billing_team(desk: InProcessDesk, **hours: object) -> int:
    team = (await desk.ok(desk.admin, "POST", "/api/teams", json={"name": "Billing"}))["team"]
    if hours:
        await desk.ok(desk.admin, "PATCH", f"/api/teams/{team['id']}", json=hours)
    await desk.ok(desk.admin, "POST", "/api/routing-rules", json={
        "name": "Billing", "team_id": team["id"], "conditions": {"words": ["rechnung"]}})
    return team["id"]


async def clocks(desk: InProcessDesk, thread_id: int) -> dict[str, SlaClock]:
    async with desk.db.read() as session:
        rows = (await session.scalars(
            select(SlaClock).where(col(SlaClock.thread_id) == thread_id))).all()
    return {c.target: c for c in rows}


async def test_a_policy_starts_clocks_in_the_teams_working_time(desk: InProcessDesk) -> None:
    hours = {"time_zone": "Europe/Berlin", "hours": WEEK, "holiday_country": "DE",
             "holiday_subdivision": "BY"}
    team_id = await billing_team(desk, **hours)
    await desk.ok(desk.admin, "POST", "/api/sla-policies", json={
        "name": "Billing", "team_id": team_id, "first_response_minutes": 120,
        "resolution_minutes": 960})

    thread = await desk.post("Meine Rechnung ist falsch")

    started = await clocks(desk, thread["id"])
    calendar = BusinessHours("Europe/Berlin", parse_week(WEEK), "DE", "BY")
    first = started["first_response"]
    assert first.due_at == calendar.add(first.started_at, 120)
    assert started["resolution"].due_at == calendar.add(first.started_at, 960)
    assert thread["sla_due_at"] is not None and thread["team_id"] == team_id


async def test_without_a_policy_the_desks_minutes_run_around_the_clock(
    desk: InProcessDesk
) -> None:
    thread = await desk.post("Wo ist mein Paket?")

    started = await clocks(desk, thread["id"])
    assert set(started) == {"first_response"}  # no resolution target without a policy
    first = started["first_response"]
    assert first.due_at - first.started_at == timedelta(minutes=60)


async def test_the_timer_warns_and_breaches_once_and_tells_the_supervisors(
    desk: InProcessDesk
) -> None:
    team_id = await billing_team(desk)
    boss = await new_person(desk, "supervisor")
    await desk.ok(desk.admin, "PUT", f"/api/teams/{team_id}/members/{boss.id}",
                  json={"supervisor": True})
    await desk.ok(desk.admin, "POST", "/api/sla-policies", json={
        "name": "Billing", "team_id": team_id, "first_response_minutes": 10})
    thread = await desk.post("Rechnung doppelt bezahlt")
    due = (await clocks(desk, thread["id"]))["first_response"].due_at

    async with desk.capture() as got:
        assert await fire_due(desk.db, due - timedelta(minutes=1)) == (1, 0)  # at 80%
        assert await fire_due(desk.db, due + timedelta(seconds=1)) == (0, 1)
        assert await fire_due(desk.db, due + timedelta(minutes=5)) == (0, 0)  # once

    assert got.types == ["sla.warning", "sla.breached", "notification.sla_breached"]
    breached = got.one("sla.breached")
    assert (breached["thread_id"], breached["target"]) == (thread["id"], "first_response")
    notice = next(e for e in got.events if e["type"] == "notification.sla_breached")
    assert notice["user_id"] == boss.id and notice["payload"]["team_id"] == team_id


async def test_a_reply_stops_the_response_clock_and_waiting_pauses_the_rest(
    desk: InProcessDesk
) -> None:
    team_id = await billing_team(desk)
    await desk.ok(desk.admin, "POST", "/api/sla-policies", json={
        "name": "Billing", "team_id": team_id, "first_response_minutes": 30,
        "next_response_minutes": 30, "resolution_minutes": 600})
    first = new_item("Rechnung falsch", visibility="private")
    await desk.webhook([first])
    thread = await desk.card_with("Rechnung falsch")
    await desk.ok(desk.agent, "POST", f"/api/threads/{thread['id']}/claim")
    await write_draft(desk, thread["id"], "Wir prüfen das.")
    await desk.ok(desk.agent, "POST", f"/api/threads/{thread['id']}/reply/submit")

    after_reply = await clocks(desk, thread["id"])
    assert set(after_reply) == {"resolution"}  # the reply stopped the response clock
    assert after_reply["resolution"].paused_at is not None  # waiting on the customer
    assert await fire_due(desk.db, utcnow() + timedelta(days=30)) == (0, 0)

    await desk.webhook([new_item("Danke, aber noch falsch", author=first["author"],
                                 visibility="private")])

    running = await clocks(desk, thread["id"])
    assert set(running) == {"resolution", "next_response"}
    resolution = running["resolution"]
    assert resolution.paused_at is None
    # The pause (reply to the customer's answer) moved the due time on.
    assert resolution.due_at > after_reply["resolution"].due_at

    await desk.ok(desk.agent, "PATCH", f"/api/threads/{thread['id']}",
                  json={"status": "resolved"})
    assert await clocks(desk, thread["id"]) == {}


async def test_bad_hours_and_policies_are_refused(desk: InProcessDesk) -> None:
    team = (await desk.ok(desk.admin, "POST", "/api/teams", json={"name": "Nacht"}))["team"]
    before = await desk.footprint()
    for wrong in ({"time_zone": "Mars/Olympus"}, {"hours": {"mon": [["18:00", "08:00"]]}},
                  {"holiday_country": "XX"},
                  {"holiday_country": "DE", "holiday_subdivision": "ZZ"}):
        await desk.refuses(desk.admin, "PATCH", f"/api/teams/{team['id']}", 400, "invalid",
                           json=wrong)
    await desk.refuses(desk.admin, "POST", "/api/sla-policies", 404, "not_found",
                       json={"name": "Lost", "team_id": 999})
    await desk.refuses(desk.agent, "POST", "/api/sla-policies", 403, "forbidden",
                       json={"name": "Mine"})
    assert await desk.footprint() == before
