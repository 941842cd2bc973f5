"""The daily API quota of polling channels, counted in the database.

A YouTube channel's watcher runs in one desk process and its replies go out from any, so the
units they spend are added to one row per channel and day with a single atomic statement:
no process reads a count and writes it back.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from server.db import Database
from server.models.quota import ChannelQuota


class DatabaseQuota:
    """The quota ledger create_app() hands the quota users (channels.base.QuotaLedger)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def spend(self, channel_id: int, day: date, units: int, ceiling: int) -> int | None:
        """Add `units` if the day's count stays within `ceiling`; the new count, or None
        (nothing added) when they do not fit."""
        if units > ceiling:
            return None
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        table = ChannelQuota.__table__  # type: ignore[attr-defined]
        statement = dialect.insert(table).values(
            channel_id=channel_id, day=day, units_used=units)
        statement = statement.on_conflict_do_update(
            index_elements=["channel_id", "day"],
            set_={"units_used": table.c.units_used + units},
            where=table.c.units_used + units <= ceiling,
        ).returning(table.c.units_used)
        async with self.db.write() as tx:
            return (await tx.session.execute(statement)).scalar()

    async def use_up(self, channel_id: int, day: date, limit: int) -> None:
        """The network says the quota is gone: count the day as full, whatever we counted."""
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        table = ChannelQuota.__table__  # type: ignore[attr-defined]
        statement = dialect.insert(table).values(channel_id=channel_id, day=day,
                                                 units_used=limit)
        statement = statement.on_conflict_do_update(
            index_elements=["channel_id", "day"],
            set_={"units_used": func.max(table.c.units_used, limit)
                  if self.db.dialect == "sqlite" else func.greatest(table.c.units_used, limit)},
        )
        async with self.db.write() as tx:
            await tx.session.execute(statement)

    async def used(self, channel_id: int, day: date) -> int:
        async with self.db.read() as session:
            found = await session.scalar(
                select(col(ChannelQuota.units_used))
                .where(col(ChannelQuota.channel_id) == channel_id, col(ChannelQuota.day) == day))
        return found or 0

