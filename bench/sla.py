"""The service-level timer's cost with many open threads.

The database holds `threads` open threads, each with a running first-response clock due
tomorrow, and a thousandth of them come due during the run. The timer's round
(server/actions/sla_alarms.py: fire_due) runs in this process four times a second, as
the desk runs it; the figure is this process's CPU while it does, as a share of one core,
with the warnings and breaches it announced.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import infra
from bench.prefill import Prefilled, prefill
from server.actions.sla_alarms import fire_due
from server.db import Database
from server.models import utcnow
from server.services.sla_timer import EVERY_SECONDS
from server.settings import async_database_url

DUE_SHARE = 1000  # one clock in this many comes due during the run


async def _channel(database_url: str) -> int:
    engine = create_async_engine(async_database_url(database_url))
    now = utcnow()
    try:
        async with engine.begin() as conn:
            channel = (await conn.execute(text(
                "INSERT INTO channel (network, adapter, name, config, active, created_at) "
                "VALUES ('webhook', 'webhook', 'Bench', '{}', true, :now) RETURNING id"),
                {"now": now})).scalar()
        return int(channel or 0)
    finally:
        await engine.dispose()


async def _start_clocks(database_url: str, seconds: float) -> None:
    engine = create_async_engine(async_database_url(database_url))
    now = utcnow()
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO sla_clock (thread_id, target, started_at, due_at, warn_at) "
                "SELECT id, 'first_response', :now, :tomorrow, :later FROM thread"),
                {"now": now, "tomorrow": now + timedelta(days=1),
                 "later": now + timedelta(hours=20)})
            # A few come due while the timer runs, spread over the run.
            rows = (await conn.execute(text(
                f"SELECT id FROM sla_clock WHERE id % {DUE_SHARE} = 0"))).scalars().all()
            for n, clock_id in enumerate(rows):
                at = now + timedelta(seconds=2 + (seconds - 2) * n / max(1, len(rows)))
                await conn.execute(text(
                    "UPDATE sla_clock SET due_at = :at, warn_at = :at WHERE id = :id"),
                    {"at": at, "id": clock_id})
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _timer(database_url: str, seconds: float) -> tuple[float, int, int]:
    db = Database(async_database_url(database_url))
    warned = breached = 0
    try:
        began, cpu = time.monotonic(), time.process_time()
        while time.monotonic() - began < seconds:
            w, b = await fire_due(db, utcnow())
            warned, breached = warned + w, breached + b
            await asyncio.sleep(EVERY_SECONDS)
        share = (time.process_time() - cpu) / (time.monotonic() - began)
    finally:
        await db.dispose()
    return share, warned, breached


def run(backends: list[str], threads: int, seconds: float, folder: Path, log: Any
        ) -> dict[str, Any]:
    rounds = []
    for name in backends:
        backend = infra.make_backend(name, folder / "db")
        try:
            infra.prepare(backend)
            channel = asyncio.run(_channel(backend.database_url))
            prefill(backend.database_url, channel, Prefilled(), threads, per_thread=1,
                    status="open")
            asyncio.run(_start_clocks(backend.database_url, seconds))
            share, warned, breached = asyncio.run(_timer(backend.database_url, seconds))
            rounds.append({"backend": backend.label, "open_threads": threads,
                           "seconds": seconds, "cpu_share": round(share, 4),
                           "warnings": warned, "breaches": breached})
            log(f"  sla timer {backend.label}, {threads:,} open threads: "
                f"{share * 100:.1f}% of one core, {warned} warnings, {breached} breaches")
        finally:
            backend.drop()
    return {"rounds": rounds}
