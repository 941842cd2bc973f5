"""server/business_hours.py with an injected clock: working time across the end of a day,
a weekend, public holidays of a country and its state, and a pause."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.business_hours import BusinessHours, parse_week

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = parse_week({day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def test_a_clock_runs_only_in_working_hours_past_a_holiday_and_a_weekend() -> None:
    bavaria = BusinessHours("Europe/Berlin", OFFICE, "DE", "BY")
    # Thursday 24 December 16:00: one hour that day, Christmas (Friday), the weekend, then
    # Monday from 09:00.
    due = bavaria.add(berlin(2026, 12, 24, 16, 0), 120)

    assert due == berlin(2026, 12, 28, 10, 0)
    assert bavaria.between(berlin(2026, 12, 24, 16, 0), due) == timedelta(minutes=120)


def test_a_pause_while_waiting_on_the_customer_moves_the_due_time_on() -> None:
    bavaria = BusinessHours("Europe/Berlin", OFFICE, "DE", "BY")
    due = berlin(2026, 12, 28, 10, 0)
    # Waiting on the customer from Monday 09:30 (30 minutes left) to Tuesday 15:00.
    resumed = bavaria.resumed(due, berlin(2026, 12, 28, 9, 30), berlin(2026, 12, 29, 15, 0))

    assert resumed == berlin(2026, 12, 29, 15, 30)


def test_holidays_follow_the_teams_country_and_state() -> None:
    monday_evening = datetime(2026, 12, 7, 16, 30, tzinfo=ZoneInfo("Europe/Vienna"))
    vienna = BusinessHours("Europe/Vienna", OFFICE, "AT")
    germany = BusinessHours("Europe/Berlin", OFFICE, "DE")
    # 8 December is a holiday in Austria, not in Germany.
    assert vienna.add(monday_evening, 60) == datetime(2026, 12, 9, 9, 30,
                                                      tzinfo=ZoneInfo("Europe/Vienna"))
    assert germany.add(monday_evening, 60) == berlin(2026, 12, 8, 9, 30)
    # Epiphany: Bavaria rests, Berlin works.
    assert BusinessHours("Europe/Berlin", OFFICE, "DE", "BY").is_holiday(
        datetime(2026, 1, 6).date())
    assert not BusinessHours("Europe/Berlin", OFFICE, "DE", "BE").is_holiday(
        datetime(2026, 1, 6).date())


def test_a_summer_time_change_and_around_the_clock() -> None:
    # The night of 29 March 2026 has an hour less: working time is counted in real time.
    sundays = BusinessHours("Europe/Berlin", parse_week({"sun": [["00:00", "23:59"]]}))
    assert BusinessHours().add(berlin(2026, 3, 28, 23, 0), 60) == berlin(2026, 3, 29, 0, 0)
    assert sundays.between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 29, 4, 0)) == timedelta(
        hours=3)


def test_a_week_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_week({"mon": [["17:00", "09:00"]]})
    with pytest.raises(ValueError):
        parse_week({"someday": [["09:00", "17:00"]]})
