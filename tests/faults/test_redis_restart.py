"""Redis killed (SIGKILL) and restarted empty during a stream, under two desk processes;
and Redis hung (SIGSTOP) under one.

The Redis is the test's own (never the machine's). Boards on both processes get every
post, once, in order, without reloading; meanwhile /readyz says "degraded" (200), `view`
answers from local presence at once, and after the restart a viewer on one process is
visible on the other without waiting for the 30-second presence refresh.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import prepare
from tests.faults.boards import ResumingBoard
from tests.faults.services import ThrowawayRedis
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

pytestmark = pytest.mark.pg_redis

POSTS = 60


@pytest.fixture
def own_redis() -> Iterator[ThrowawayRedis]:
    redis = ThrowawayRedis().start()
    yield redis
    redis.remove()


@pytest.fixture
def two_desks(fresh_backend: Backend, own_redis: ThrowawayRedis, tmp_path: Path
              ) -> Iterator[tuple[DeskApi, DeskApi]]:
    backend = Backend("postgres", fresh_backend.database_url, own_redis.url)
    token = prepare(backend)
    servers = [DeskServer(backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    apis = [DeskApi(s.url, token) for s in servers]
    yield apis[0], apis[1]
    for api, server in zip(apis, servers, strict=True):
        api.close()
        server.stop()


async def post_stream(apis: tuple[DeskApi, DeskApi], channel, prefix: str,
                      on_post: dict[int, object]) -> list[str]:
    """POSTS posts, one after the other, alternating between the processes."""
    sent = []
    for n in range(POSTS):
        if n in on_post:
            await asyncio.to_thread(on_post[n])  # type: ignore[arg-type]
        text = f"{prefix} {n:03d}"
        await asyncio.to_thread(apis[n % 2].ingest, channel, item(text))
        sent.append(text)
        await asyncio.sleep(0.05)
    return sent


async def test_boards_on_both_processes_get_every_post_across_a_redis_restart(
    two_desks: tuple[DeskApi, DeskApi], own_redis: ThrowawayRedis,
) -> None:
    first, second = two_desks
    channel = first.webhook_channel("Stream")
    token = first.admin["Authorization"].split()[1]
    since = first.http.get("/api/threads", headers=first.admin).json()["seq"]
    boards = [ResumingBoard(api.url, token) for api in (first, second, first, second)]
    for board in boards:
        await board.connect(since)
    first.ingest(channel, item("the thread they look at"))
    anna, ben = first.person(name="Anna Viewer"), first.person(name="Ben Viewer")
    looked_at = first.thread_by_text(anna, "the thread they look at")["id"]
    observed: dict[str, object] = {}
    redis_down = asyncio.Event()
    loop = asyncio.get_running_loop()

    def kill() -> None:
        own_redis.kill()
        ready = httpx.get(second.url + "/readyz", timeout=5)
        observed["readyz"] = (ready.status_code, ready.json())
        loop.call_soon_threadsafe(redis_down.set)

    def restart() -> None:
        own_redis.start()

    prefix = f"redis-restart-{time.monotonic_ns()}"
    stream = asyncio.create_task(post_stream((first, second), channel, prefix,
                                             {15: kill, 40: restart}))
    # While Redis is down, a viewer on process one gets an answer at once.
    await asyncio.wait_for(redis_down.wait(), 30)
    viewer = LiveBoard(first.url, anna.token)
    await viewer.connect()
    # Answered before a client's patience (3 s) runs out, from local presence.
    viewed = await viewer.client.call("view", {"thread_id": looked_at}, timeout=3)
    sent = await stream

    assert observed["readyz"][0] == 200, observed  # type: ignore[index]
    assert observed["readyz"][1]["status"] == "degraded"  # type: ignore[index]
    assert "redis" in observed["readyz"][1]["problems"]  # type: ignore[index]
    assert viewed["ok"] and [v["id"] for v in viewed["presence"]["viewers"]] == [anna.id]
    for board in boards:
        assert await board.wait_for_texts(prefix, POSTS, timeout=15) == sent
        assert board.reconnects == 0  # nothing was reloaded or reconnected by hand

    # After the restart Redis is empty; the viewer on process one was announced again.
    other = LiveBoard(second.url, ben.token)
    await other.connect()
    answer = await other.call("view", {"thread_id": looked_at})
    assert [v["name"] for v in answer["presence"]["viewers"]] == ["Anna Viewer", "Ben Viewer"]
    for board in [*boards]:
        await board.disconnect()
    await viewer.disconnect()
    await other.disconnect()


async def test_a_hung_redis_hangs_neither_readiness_nor_view(
    fresh_backend: Backend, own_redis: ThrowawayRedis, tmp_path: Path,
) -> None:
    backend = Backend("postgres", fresh_backend.database_url, own_redis.url)
    token = prepare(backend)
    desk = DeskServer(backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(desk.url, token)
    try:
        api.ingest(api.webhook_channel("Hung"), item("looked at while redis hangs"))
        anna = api.person(name="Anna Hung")
        thread_id = api.thread_by_text(anna, "looked at while redis hangs")["id"]
        viewer = LiveBoard(desk.url, anna.token)
        await viewer.connect()
        own_redis.hang()
        try:
            # Each answers before the client gives up (3 s): no call waits on Redis longer.
            ready = await asyncio.to_thread(httpx.get, desk.url + "/readyz", timeout=3)
            viewed = await viewer.client.call("view", {"thread_id": thread_id}, timeout=3)
            api.ingest(api.webhook_channel("Still taking posts"), item("while redis hangs"))
        finally:
            own_redis.wake()
        assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
        assert list(ready.json()["problems"]) == ["redis"]
        assert viewed["ok"] and [v["name"] for v in viewed["presence"]["viewers"]] == [
            "Anna Hung"]
        await viewer.disconnect()
    finally:
        api.close()
        desk.stop()
