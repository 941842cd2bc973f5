"""Fan-out: N boards connected while posts arrive through a real signed webhook at R posts/s.

Each cell sends R posts/s for a few seconds (open loop), waits for the boards to drain, and
reports deliveries per second, latency to "board received" timed two ways (from the
webhook's 200, and from the moment the sender began the request: what a customer's post
lives through) with where the time between goes, lost posts, and the CPU and memory of the
server and of the client processes. The same boards and rates run against the floor
(bench/floor.py), and every desk cell is set against the floor's.
"""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import infra
from bench.boards import BoardPool
from bench.sender import Channel, Sent, board_seq, make_channel, make_people, paced
from bench.stats import kb, mb, percentiles

PEOPLE = 10  # boards share these users' tokens, as a team of ten would
STALL_SECONDS = 5.0  # no new delivery for this long: whatever is missing is lost
DRAIN_CAP_SECONDS = 30.0


@dataclass(frozen=True)
class Config:
    target: str  # sqlite | postgres | floor
    workers: int

    @property
    def label(self) -> str:
        if self.target == "floor":
            return "floor (bare python-socketio)"
        name = "SQLite" if self.target == "sqlite" else "PG+Redis"
        return f"{name}, {self.workers} worker{'s' if self.workers > 1 else ''}"


@dataclass
class Target:
    urls: list[str]
    pids: list[int]
    channel: Channel | None  # None: the floor, which takes unsigned posts
    tokens: list[str]


@contextmanager
def running(config: Config, folder: Path, coalesce_ms: int) -> Iterator[Target]:
    if config.target == "floor":
        floors = [infra.Process([sys.executable, "-m", "bench.floor", "--port", "{port}",
                                 "--coalesce-ms", str(coalesce_ms)], {},
                                folder / "logs" / "floor.log").start()]
        try:
            yield Target([f.url for f in floors], [f.pid for f in floors], None, ["floor"])
        finally:
            for floor in floors:
                floor.stop()
        return
    backend = infra.make_backend(config.target, folder / "db")
    try:
        token = infra.prepare(backend)
        desk = infra.start_desk(backend, config.workers, folder / "logs", token,
                                {"TANDEM_COALESCE_MS": str(coalesce_ms)})
        try:
            channel = asyncio.run(make_channel(desk.urls[0], desk.admin))
            people = asyncio.run(make_people(desk.urls[0], desk.admin, PEOPLE,
                                             f"fan{secrets.token_hex(2)}"))
            yield Target(desk.urls, desk.pids, channel, [t for _, t in people])
        finally:
            desk.stop()
    finally:
        backend.drop()


def _connect(pool: BoardPool, target: Target, count: int) -> dict[str, Any]:
    if count <= 0:
        return {"connected": pool.size, "errors": {}}
    since = {url: 0 if target.channel is None else asyncio.run(board_seq(url, target.tokens[0]))
             for url in target.urls}
    start = pool.size
    plan = [(target.urls[(start + n) % len(target.urls)],
             target.tokens[(start + n) % len(target.tokens)], 0) for n in range(count)]
    plan = [(url, token, since[url]) for url, token, _ in plan]
    return pool.connect(plan)


def _drain(pool: BoardPool, expected: int) -> str:
    """Wait until every board has every accepted post, or deliveries stop coming."""
    began = last_change = time.monotonic()
    seen = -1
    while True:
        got = pool.received()
        now = time.monotonic()
        if got >= expected:
            return "complete"
        if got != seen:
            seen, last_change = got, now
        if now - last_change > STALL_SECONDS:
            return "stalled"
        if now - began > DRAIN_CAP_SECONDS:
            return "cap"
        time.sleep(0.2)


def run_cell(pool: BoardPool, target: Target, rate: int, seconds: float) -> dict[str, Any]:
    tag = f"p{secrets.token_hex(3)}"
    pool.start(f"{tag}:")
    with (infra.Usage(target.pids) as server, infra.Usage(pool.pids) as clients,
          infra.Usage([os.getpid()], children=False) as sender):
        sent = asyncio.run(paced(target.urls, target.channel, tag, rate, seconds))
        drain = _drain(pool, len(sent.accepted) * pool.size)
    got = pool.collect(sent.accepted, sent.started)
    delivered = len(got.latencies_ms)
    # The nominal window of n posts at R/s is n/R; a server that falls behind stretches it.
    elapsed = max(round(rate * seconds) / rate, max(got.last, sent.last) - sent.first)
    webhook = percentiles([s * 1000 for s in sent.latencies], (50, 99))
    return {
        "boards": pool.size, "rate": rate, "seconds": seconds,
        "posts_planned": round(rate * seconds), "posts_unsent": sent.unsent,
        "posts_sent": round(rate * seconds) - sent.unsent, "posts_accepted": len(sent.accepted),
        # What the desk took in: accepted posts over the time the sender needed to place them.
        "accepted_per_s": round(len(sent.accepted) / max(sent.last - sent.first, 1e-9), 1),
        "send_failures": sent.failures, "sender_late_starts": sent.late_starts,
        "deliveries": delivered, "deliveries_per_s": round(delivered / elapsed, 1),
        "offered_per_s": rate * pool.size,
        "latency_ms": percentiles(got.latencies_ms),
        "latency_from_start_ms": percentiles(got.from_start_ms),
        "webhook_ms": {"p50": webhook["p50"], "p99": webhook["p99"]},
        "breakdown_ms": {**breakdown(sent, got.stored),
                         "stored_to_board": percentiles(got.from_stored_ms, (50, 99))},
        "lost": got.missing, "boards_missing_posts": got.boards_missing, "duplicates": got.dupes,
        "drain": drain, "board_drops": got.drops, "board_reloads": got.reloads,
        "batches_per_board_per_s": round(got.batches / max(pool.size, 1) / elapsed, 1),
        "server_cpu_percent": round(server.cpu_percent), "server_peak_rss_mb": mb(server.peak_rss),
        "server_cpu_us_per_delivery": round(server.cpu_seconds * 1e6 / delivered, 1)
        if delivered else None,
        "client_cpu_percent": round(clients.cpu_percent),
        # Ready to run but no CPU free: the machine (other processes), not the code, limits.
        "server_cpu_wait_percent": round(server.wait_percent),
        "client_cpu_wait_percent": round(clients.wait_percent),
        "sender_cpu_percent": round(sender.cpu_percent),
    }


def breakdown(sent: Sent, stored: dict[int, float]) -> dict[str, Any]:
    """Where a post's time goes before the boards, per accepted post: from the request's start
    to the server's time on the message (the desk: when the group-commit batch storing it
    began; the floor: when its handler took it), and from there to the sender's 200 (and,
    per (post, board), to the board: `stored_to_board`)."""
    posts = [n for n in stored if n in sent.accepted]
    return {
        "posts": len(posts),
        "start_to_stored": percentiles([1000 * (stored[n] - sent.started[n]) for n in posts],
                                       (50, 99)),
        "stored_to_200": percentiles([1000 * (sent.accepted[n] - stored[n]) for n in posts],
                                     (50, 99)),
    }


def _warm_up(pool: BoardPool, target: Target) -> None:
    run_cell(pool, target, 20, 0.5)


def run_config(config: Config, plan: dict[int, list[int]], seconds: float,
               folder: Path, coalesce_ms: int, client_processes: int,
               log: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cells: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    with running(config, folder, coalesce_ms) as target:
        pool = BoardPool(client_processes)
        try:
            _warm_up(pool, target)  # no boards yet: first-request costs land before `before`
            time.sleep(1)
            before = infra.rss_bytes(target.pids)
            for count in sorted(plan):
                previous, previous_boards = infra.rss_bytes(target.pids), pool.size
                began = time.monotonic()
                joined = _connect(pool, target, count - pool.size)
                connect_s = time.monotonic() - began
                if joined["errors"]:
                    log(f"  {config.label}: {sum(joined['errors'].values())} boards failed to "
                        f"connect: {joined['errors']}")
                _warm_up(pool, target)
                time.sleep(1)
                after = infra.rss_bytes(target.pids)
                added = pool.size - previous_boards
                memory.append({
                    "config": config.label, "boards": pool.size,
                    "server_rss_mb": mb(after), "connect_seconds": round(connect_s, 1),
                    "kb_per_board": kb((after - before) / pool.size) if pool.size else None,
                    "kb_per_added_board": kb((after - previous) / added) if added else None,
                })
                log(f"  {config.label}: {pool.size} boards connected in {connect_s:.1f}s, "
                    f"server RSS {mb(after)} MB")
                for rate in plan[count]:
                    cell = {"config": config.label, "target": config.target,
                            "workers": config.workers, "boards_wanted": count,
                            **run_cell(pool, target, rate, seconds)}
                    cells.append(cell)
                    log(f"    {cell['boards']} boards x {rate}/s: "
                        f"{cell['deliveries_per_s']:.0f} deliveries/s, "
                        f"p99 {cell['latency_ms']['p99']} ms, lost {cell['lost']}, "
                        f"server CPU {cell['server_cpu_percent']}%, "
                        f"clients CPU {cell['client_cpu_percent']}%")
        finally:
            pool.close()
    return cells, memory


def client_processes(cells: list[tuple[int, int]]) -> int:
    return max(1, min(4, math.ceil(max(b for b, _ in cells) / 250)))


def run(configs: list[Config], cells: list[tuple[int, int]], seconds: float, folder: Path,
        coalesce_ms: int, log: Any) -> dict[str, Any]:
    """Run (boards, posts/s) cells on each config; boards join as the count grows."""
    plan: dict[int, list[int]] = {}
    for boards, rate in cells:
        plan.setdefault(boards, []).append(rate)
    found: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    procs = client_processes(cells)
    for config in configs:
        log(f"fan-out: {config.label}")
        got, mem = run_config(config, plan, seconds, folder, coalesce_ms, procs, log)
        found.extend(got)
        memory.extend(mem)
    floor = {(c["boards_wanted"], c["rate"]): c for c in found if c["target"] == "floor"}
    for cell in found:
        base = floor.get((cell["boards_wanted"], cell["rate"]))
        if cell["target"] != "floor" and base and base["deliveries_per_s"]:
            cell["ratio_to_floor"] = round(cell["deliveries_per_s"] / base["deliveries_per_s"], 3)
    return {
        "seconds_per_cell": seconds, "coalesce_ms": coalesce_ms, "client_processes": procs,
        "configs": [c.label for c in configs], "cells": found, "memory_per_board": memory,
        "note": "latency = board receipt - sender's time of the webhook's 200; latency from "
                "start = board receipt - sender's time it began the request (one machine, one "
                "clock); breakdown: request start -> the message's created_at (the desk: its "
                "batch began) -> 200; deliveries/s = (post, board) pairs delivered / (first "
                "send .. last receipt, at least the nominal sending window)",
    }
