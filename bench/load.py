"""Background load for the claims and page sections: live boards plus posts arriving.

The boards live in their own client processes and the posts come from a sender process, so
the measuring process (claimers, or the browser driver) is not also the load generator.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench import infra
from bench.boards import BoardPool
from bench.sender import Channel, board_seq, new_post, signed, steady_process, webhook_path


@contextmanager
def background(desk: infra.Desk, channel: Channel, boards: int, rate: float,
               tokens: list[str], nice: int = 0) -> Iterator[dict[str, Any]]:
    """`boards` live boards spread over the desk's processes, and `rate` posts/s while inside.

    `nice` > 0 runs the load processes at that lower CPU priority: in production the boards
    are browsers on other machines, so their CPU is not the desk's to share.
    """
    info: dict[str, Any] = {"boards": 0, "rate": rate, "nice": nice}
    pool = BoardPool(max(1, min(4, math.ceil(boards / 250)))) if boards else None
    context = mp.get_context("spawn")
    stop = context.Event()
    sender = None
    try:
        if pool is not None:
            since = {url: asyncio.run(board_seq(url, tokens[0])) for url in desk.urls}
            plan = [(desk.urls[n % len(desk.urls)], tokens[n % len(tokens)], 0)
                    for n in range(boards)]
            joined = pool.connect([(u, t, since[u]) for u, t, _ in plan])
            info["boards"] = joined["connected"]
            info["connect_errors"] = joined["errors"]
            _lower_priority(pool.pids, nice)
            pool.start("\0")  # keep nothing: these boards are load, not measurement
        if rate > 0:
            sender = context.Process(
                target=steady_process,
                args=(desk.urls, channel, f"bg{secrets.token_hex(2)}", rate, stop), daemon=True,
            )
            sender.start()
            _lower_priority([sender.pid], nice)
            time.sleep(1)  # let the load reach its pace before anything is measured
        yield info
    finally:
        stop.set()
        if sender is not None:
            sender.join(30)
            if sender.is_alive():
                sender.terminate()
        if pool is not None:
            pool.close()


def _lower_priority(pids: list[int | None], nice: int) -> None:
    for pid in pids:
        if nice > 0 and pid is not None:
            os.setpriority(os.PRIO_PROCESS, pid, nice)


def open_threads(url: str, channel: Channel, tag: str, count: int) -> None:
    """Open `count` threads through the webhook (500 items a request); post number -> thread id."""
    with httpx.Client(base_url=url, timeout=120) as http:
        for first in range(0, count, 500):
            items = [new_post(tag, n) for n in range(first, min(count, first + 500))]
            body, headers = signed(channel, items)
            response = http.post(webhook_path(channel), content=body, headers=headers)
            response.raise_for_status()


def thread_ids(url: str, admin: dict[str, str], tag: str) -> dict[int, int]:
    """Post number -> thread id for the threads a tag's posts opened, read over REST."""
    with httpx.Client(base_url=url, timeout=120) as http:
        response = http.get("/api/threads", headers=admin,
                            params={"status": "all", "limit": 5000, "q": f"{tag}:"})
        response.raise_for_status()
        found: dict[int, int] = {}
        for card in response.json()["threads"]:
            head = card["excerpt"].split(" ", 1)[0]
            if head.startswith(f"{tag}:"):
                found[int(head.split(":", 1)[1])] = int(card["id"])
        return found


def holders(url: str, admin: dict[str, str], tag: str) -> dict[int, int | None]:
    """Thread id -> holder's user id, for a tag's threads, read over REST."""
    with httpx.Client(base_url=url, timeout=120) as http:
        response = http.get("/api/threads", headers=admin,
                            params={"status": "all", "limit": 5000, "q": f"{tag}:"})
        response.raise_for_status()
        return {int(c["id"]): (c["holder"] or {}).get("id") for c in response.json()["threads"]}
