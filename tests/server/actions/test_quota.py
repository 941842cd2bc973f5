"""server/actions/quota.py: a channel's daily API units, counted in one row per day."""

from __future__ import annotations

import asyncio
from datetime import date

from server.actions.quota import DatabaseQuota
from tests.support.inprocess import InProcessDesk

DAY = date(2026, 12, 3)


async def test_units_are_added_while_they_fit_the_ceiling(desk: InProcessDesk) -> None:
    quota = DatabaseQuota(desk.db)

    assert await quota.spend(desk.channel_id, DAY, 60, 100) == 60
    assert await quota.spend(desk.channel_id, DAY, 50, 100) is None
    assert await quota.spend(desk.channel_id, DAY, 40, 100) == 100
    assert await quota.spend(desk.channel_id, DAY, 101, 100) is None
    assert await quota.used(desk.channel_id, DAY) == 100
    assert await quota.used(desk.channel_id, date(2026, 12, 4)) == 0


async def test_spending_at_once_never_passes_the_ceiling(desk: InProcessDesk) -> None:
    quota = DatabaseQuota(desk.db)

    spent = await asyncio.gather(*(quota.spend(desk.channel_id, DAY, 10, 55) for _ in range(8)))

    assert sum(1 for s in spent if s is not None) == 5
    assert await quota.used(desk.channel_id, DAY) == 50


async def test_a_network_saying_the_quota_is_gone_fills_the_day(desk: InProcessDesk) -> None:
    quota = DatabaseQuota(desk.db)
    await quota.spend(desk.channel_id, DAY, 30, 100)

    await quota.use_up(desk.channel_id, DAY, 100)
    await quota.use_up(desk.channel_id, DAY, 80)  # never lowers what was counted

    assert await quota.used(desk.channel_id, DAY) == 100
    assert await quota.spend(desk.channel_id, DAY, 1, 100) is None
