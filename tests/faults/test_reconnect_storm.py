"""1,000 random reconnects of 50 boards across two processes while posts stream in.

Every board follows the client rules (tests/faults/boards.py): at the end each has every
post of the stream exactly once and in the order it was stored: 0 lost, 0 duplicated,
0 out of order.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import prepare
from tests.faults.boards import ResumingBoard
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.pg_redis

BOARDS = 50
RECONNECTS = 1000
AT_ONCE = 10  # reconnects in flight together


@pytest.fixture
def two_desks(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, DeskApi]]:
    token = prepare(fresh_backend)
    servers = [DeskServer(fresh_backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    apis = [DeskApi(s.url, token) for s in servers]
    yield apis[0], apis[1]
    for api, server in zip(apis, servers, strict=True):
        api.close()
        server.stop()


async def test_a_thousand_reconnects_lose_nothing(two_desks: tuple[DeskApi, DeskApi]) -> None:
    first, second = two_desks
    channel = first.webhook_channel("Storm")
    token = first.admin["Authorization"].split()[1]
    since = first.http.get("/api/threads", headers=first.admin).json()["seq"]
    # Each board lives on one process and comes back to it, as behind a sticky balancer
    # or a flaky mobile link; half the boards are on each process.
    boards = [ResumingBoard((first, second)[n % 2].url, token) for n in range(BOARDS)]
    await asyncio.gather(*(b.connect(since) for b in boards))
    prefix = f"storm-{time.monotonic_ns()}"
    sent: list[str] = []
    storming = True

    async def stream() -> None:
        n = 0
        while storming or n < 20:
            text = f"{prefix} {n:04d}"
            await asyncio.to_thread((first, second)[n % 2].ingest, channel, item(text))
            sent.append(text)
            n += 1
            await asyncio.sleep(0.02)

    chaos = random.Random(13)
    slots = asyncio.Semaphore(AT_ONCE)

    async def reconnect(board: ResumingBoard) -> None:
        async with slots:
            await asyncio.sleep(chaos.random() * 0.02)
            await board.reconnect()

    posting = asyncio.create_task(stream())
    started = time.monotonic()
    await asyncio.wait_for(
        asyncio.gather(*(reconnect(chaos.choice(boards)) for _ in range(RECONNECTS))), 120)
    storm_seconds = time.monotonic() - started
    storming = False
    await posting

    for board in boards:
        got = await board.wait_for_texts(prefix, len(sent), timeout=15)
        lost = sorted(set(sent) - set(got))
        duplicated = len(got) - len(set(got))
        assert (lost, duplicated) == ([], 0), board.url
        assert got == sent  # in the order they were stored
    assert sum(b.reconnects for b in boards) == RECONNECTS
    print(f"{RECONNECTS} reconnects in {storm_seconds:.1f}s, {len(sent)} posts, "
          f"{sum(b.repeats for b in boards)} repeats dropped by the boards")
    await asyncio.gather(*(b.disconnect() for b in boards))
