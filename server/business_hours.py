"""Service-level time: the minutes a team is at work, in its time zone, without weekends
(or whatever its week leaves out) and public holidays (the `holidays` package: a country
such as DE, AT or CH and optionally its state, such as BY or ZH).

A clock's due time is its start plus the policy's minutes of working time; a pause (while
the desk waits on the customer) moves the due time on by the working time it lasted.
Pure functions of their arguments: the clock is whatever `now` the caller passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS = 800  # how far ahead a due time is looked for (a week without hours: never)
Span = tuple[time, time]


@lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision)


def parse_week(raw: Mapping[str, Sequence[Sequence[str]]]) -> dict[int, tuple[Span, ...]]:
    """{"mon": [["08:00", "18:00"]], ...} as spans per weekday (0 = Monday); refuses
    unknown days, bad times and spans that end before they start."""
    week: dict[int, tuple[Span, ...]] = {}
    for day, spans in raw.items():
        if day not in DAYS:
            raise ValueError(f"unknown day {day!r}")
        parsed = []
        for span in spans:
            start, end = time.fromisoformat(span[0]), time.fromisoformat(span[1])
            if end <= start:
                raise ValueError(f"{day}: {span[0]}-{span[1]} ends before it starts")
            parsed.append((start, end))
        week[DAYS.index(day)] = tuple(sorted(parsed))
    return week


@dataclass(frozen=True)
class BusinessHours:
    """When a team works. No week at all: around the clock, every day."""

    zone: str = "UTC"
    week: Mapping[int, tuple[Span, ...]] = field(default_factory=dict)
    country: str | None = None
    subdivision: str | None = None

    @property
    def always(self) -> bool:
        return not self.week

    def is_holiday(self, day: date) -> bool:
        if self.country is None:
            return False
        return day in _calendar(self.country, self.subdivision)

    def spans(self, after: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working spans (UTC) from `after` on, in order, the first cut at `after`."""
        zone = ZoneInfo(self.zone)
        day = after.astimezone(zone).date()
        for _ in range(MAX_DAYS):
            if not self.is_holiday(day):
                for start, end in self.week.get(day.weekday(), ()):
                    a = datetime.combine(day, start, zone).astimezone(UTC)
                    b = datetime.combine(day, end, zone).astimezone(UTC)
                    if b > after:
                        yield max(a, after), b
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start`."""
        if self.always:
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        for a, b in self.spans(start):
            if b - a >= left:
                return a + left
            left -= b - a
        raise ValueError("no working hours within reach")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (zero when end is not later)."""
        if end <= start:
            return timedelta(0)
        if self.always:
            return end - start
        total = timedelta(0)
        for a, b in self.spans(start):
            if a >= end:
                break
            total += min(b, end) - a
        return total

    def resumed(self, due: datetime, paused_at: datetime, now: datetime) -> datetime:
        """A clock paused at `paused_at` and resumed `now`: its due time moved on by the
        working time the pause lasted."""
        left = self.between(paused_at, due)
        return self.add(now, left.total_seconds() / 60)
