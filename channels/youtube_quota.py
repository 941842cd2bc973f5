"""YouTube's daily quota: what each call costs, the Pacific day it is counted on, and where
the count lives.

YouTube gives a Google Cloud project 10,000 units a day by default and resets the count at
midnight Pacific Time. The desk counts what every channel spends in a QuotaLedger
(channels/base.py) shared by all its processes (the database, see server/actions/quota.py)
and stops calling before the limit, instead of learning about it from YouTube's 403
quotaExceeded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from channels.base import N_, ChannelAccount, TemporaryError

PACIFIC = ZoneInfo("America/Los_Angeles")
COSTS = {"channels.list": 1, "commentThreads.list": 1, "comments.list": 1,
         "comments.insert": 50}
DEFAULT_DAILY_LIMIT = 10_000
# Polling leaves this share of the day's units (at most RESERVE_CAP) for replies.
REPLY_SHARE = 0.5
RESERVE_CAP = 1_000
QUOTA_USED_UP = N_("YouTube's daily quota is used up; the reply goes out after midnight "
                   "Pacific Time")


def quota_day(now: datetime) -> date:
    """The day YouTube counts a call on: the calendar day in Pacific Time."""
    return now.astimezone(PACIFIC).date()


def next_reset(now: datetime) -> datetime:
    """The next midnight Pacific Time (in UTC), when YouTube starts a fresh count."""
    tomorrow = quota_day(now) + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=PACIFIC).astimezone(UTC)


def seconds_to_reset(now: datetime) -> float:
    return max((next_reset(now) - now).total_seconds(), 1.0)


class MemoryQuota:
    """A ledger for one process (the adapter's default until the desk hands it its own)."""

    def __init__(self) -> None:
        self._used: dict[tuple[int, date], int] = {}

    async def spend(self, channel_id: int, day: date, units: int, ceiling: int) -> int | None:
        total = self._used.get((channel_id, day), 0) + units
        if total > ceiling:
            return None
        self._used[(channel_id, day)] = total
        return total

    async def use_up(self, channel_id: int, day: date, limit: int) -> None:
        self._used[(channel_id, day)] = max(self._used.get((channel_id, day), 0), limit)

    async def used(self, channel_id: int, day: date) -> int:
        return self._used.get((channel_id, day), 0)


def daily_limit(account: ChannelAccount) -> int:
    try:
        limit = int(account.config.get("daily_quota") or DEFAULT_DAILY_LIMIT)
    except (TypeError, ValueError):
        return DEFAULT_DAILY_LIMIT
    return limit if limit > 0 else DEFAULT_DAILY_LIMIT


def polling_ceiling(limit: int) -> int:
    """How far polling may spend the day's units: the rest is kept for replies."""
    return limit - min(int(limit * REPLY_SHARE), RESERVE_CAP)


class QuotaUsedUp(TemporaryError):
    """No more calls today (our count reached the limit, or YouTube said quotaExceeded)."""


def quota_used_up(now: datetime) -> QuotaUsedUp:
    return QuotaUsedUp(QUOTA_USED_UP, seconds_to_reset(now))
