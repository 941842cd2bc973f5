"""Two desk processes run the service-level timer on one database: every due clock is
warned and breached exactly once, whichever process takes it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import async_database_url
from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

THREADS = 40


@pytest.fixture
def two_desks(fresh_backend: Backend, tmp_path: Path) -> Iterator[DeskApi]:
    token = prepare(fresh_backend)
    servers = [DeskServer(fresh_backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    api = DeskApi(servers[0].url, token)
    yield api
    api.close()
    for server in servers:
        server.stop()


async def rows(database_url: str, sql: str) -> list[tuple]:
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.begin() as conn:
            return [tuple(r) for r in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


async def test_each_breach_is_announced_once_across_two_processes(
    two_desks: DeskApi, fresh_backend: Backend
) -> None:
    api = two_desks
    channel = api.webhook_channel()
    api.ingest(channel, *(item(f"Frage {n}") for n in range(THREADS)))
    url = fresh_backend.database_url
    # Every first response due now: both timers find them in their next round.
    await rows(url, "UPDATE sla_clock SET warn_at = CURRENT_TIMESTAMP, "
                    "due_at = CURRENT_TIMESTAMP RETURNING id")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        [(left,)] = await rows(url, "SELECT count(*) FROM sla_clock WHERE breached_at IS NULL")
        if left == 0:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)  # a late second announcement would be in by now

    announced = await rows(url, "SELECT type, thread_id FROM event WHERE type IN "
                                "('sla.warning', 'sla.breached')")
    per_thread = Counter(announced)
    assert len({thread for _, thread in announced}) == THREADS
    assert set(per_thread.values()) == {1}, per_thread.most_common(3)
