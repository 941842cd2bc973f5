"""Ingest: signed webhooks accepted and persisted per second, as the database grows.

For each backend the database is prefilled in bulk to each size (10k, 100k, 1M messages in
threads of ten), then `concurrency` senders post single-item signed webhooks back to back.
Half the posts comment on a random prefilled thread as its author, half open a new thread.
After each round the harness counts the round's messages in the database itself, so
"accepted" is also "persisted".

Each round runs twice: with routing off (no active rule) and on (ten rules and automatic
assignment to five online agents, bench/routing.py), to show what routing costs ingest.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import infra, routing
from bench.prefill import Prefilled, count, prefill
from bench.sender import (
    Sent,
    flood,
    make_channel,
    new_post,
    signed,
    spread_threads,
    webhook_path,
)
from bench.stats import mb, percentiles


async def _response_status(reader: asyncio.StreamReader) -> int:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in head[1:]
                   if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return int(head[0].split(" ", 2)[1])


async def _keep_alive_flood(url: str, channel: Any, tag: str, count: int, concurrency: int,
                            pick_thread: Any, max_seconds: float) -> tuple[Sent, float]:
    """bench.sender.flood over plain HTTP/1.1 keep-alive connections.

    httpx spent about 8 ms of CPU per request here, so the sender, not the desk, capped a
    round near 120 webhooks/s; writing the request by hand costs a small part of that.
    """
    address = urlsplit(url)
    path = webhook_path(channel)
    sent = Sent()
    numbers = iter(range(count))
    deadline = time.monotonic() + max_seconds

    async def sender() -> None:
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        try:
            for n in numbers:
                if time.monotonic() > deadline:
                    return
                thread, author = pick_thread(n)
                body, headers = signed(channel, new_post(tag, n, thread, author))
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                began = time.time()
                writer.write(f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                             f"Content-Length: {len(body)}\r\n{head}\r\n".encode() + body)
                status = await _response_status(reader)
                done = time.time()
                if status != 200:
                    sent.fail(f"HTTP {status}")
                    continue
                sent.accepted[n] = done
                sent.started[n] = began
                sent.latencies.append(done - began)
        except (OSError, asyncio.IncompleteReadError) as exc:
            sent.fail(type(exc).__name__)
        finally:
            writer.close()

    began = time.monotonic()
    sent.first = time.time()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    sent.last = time.time()
    return sent, time.monotonic() - began


async def _flood_all(desk: infra.Desk, channel: Any, tag: str, webhooks: int,
                     concurrency: int, done: Prefilled, max_seconds: float
                     ) -> tuple[list[Sent], float]:
    """With several desk processes, each gets its share of the senders (as behind a balancer)."""
    share = len(desk.urls)
    began = time.monotonic()
    parts = await asyncio.gather(*(
        _keep_alive_flood(url, channel, f"{tag}-{n}", webhooks // share,
                          max(1, concurrency // share), spread_threads(done.threads, 0.5, seed=n),
                          max_seconds)
        for n, url in enumerate(desk.urls)
    ))
    return [sent for sent, _ in parts], time.monotonic() - began


def _round(desk: infra.Desk, channel: Any, done: Prefilled, webhooks: int,
           concurrency: int, max_seconds: float) -> dict[str, Any]:
    tag = f"in{secrets.token_hex(3)}"
    with infra.Usage(desk.pids) as server, infra.Usage([os.getpid()], children=False) as sender:
        parts, seconds = asyncio.run(_flood_all(desk, channel, tag, webhooks, concurrency, done,
                                                   max_seconds))
    stored = count(desk.backend.database_url,
                   "SELECT count(*) FROM message WHERE external_id LIKE :p", p=f"{tag}-%")
    accepted = sum(len(p.accepted) for p in parts)
    failures: dict[str, int] = {}
    for part in parts:
        for why, k in part.failures.items():
            failures[why] = failures.get(why, 0) + k
    latency = percentiles([s * 1000 for p in parts for s in p.latencies], (50, 99))
    return {
        "webhooks": sum(len(p.accepted) + sum(p.failures.values()) for p in parts),
        "accepted": accepted, "persisted": stored,
        "failures": failures, "seconds": round(seconds, 2),
        "accepted_per_s": round(accepted / seconds, 1) if seconds else 0,
        "latency_ms": latency, "server_cpu_percent": round(server.cpu_percent),
        "server_cpu_wait_percent": round(server.wait_percent),
        # CPU per webhook barely moves when other work shares the machine; rates do.
        "server_cpu_ms_per_webhook": round(server.cpu_seconds * 1000 / accepted, 2)
        if accepted else None,
        "server_peak_rss_mb": mb(server.peak_rss), "sender_cpu_percent": round(sender.cpu_percent),
    }


def run(backends: list[tuple[str, list[int]]], sizes: list[int], webhooks: int,
        concurrency: int, max_seconds: float, folder: Path, log: Any) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = []
    for name, worker_counts in backends:
        backend = infra.make_backend(name, folder / "db")
        try:
            token = infra.prepare(backend)
            desk = infra.start_desk(backend, 1, folder / "logs", token)
            try:
                channel = asyncio.run(make_channel(desk.urls[0], desk.admin))
                rules = routing.set_up(desk.urls[0], desk.admin, backend.database_url)
            finally:
                desk.stop()
            done = Prefilled()
            for size in sizes:
                began = time.monotonic()
                done = prefill(backend.database_url, channel.id, done, size)
                fill_s = time.monotonic() - began
                total = count(backend.database_url, "SELECT count(*) FROM message")
                for workers in worker_counts:
                    for routed in (False, True):
                        desk = infra.start_desk(backend, workers, folder / "logs", token)
                        try:
                            routing.switch(desk.urls[0], desk.admin, rules, routed)
                            # Warm-up: connections, statement caches.
                            asyncio.run(flood(desk.urls[0], channel,
                                              f"w{secrets.token_hex(2)}", 50, 8))
                            result = _round(desk, channel, done, webhooks, concurrency,
                                            max_seconds)
                        finally:
                            desk.stop()
                        result.update({
                            "backend": backend.label, "workers": workers,
                            "messages_before": total, "size": size,
                            "prefill_seconds": round(fill_s, 1), "concurrency": concurrency,
                            "routing": routed,
                        })
                        rounds.append(result)
                        log(f"  ingest {backend.label}, {workers} worker(s), {total:,} "
                            f"messages, routing {'on' if routed else 'off'}: "
                            f"{result['accepted_per_s']:.0f}/s accepted, {result['persisted']} "
                            f"of {result['accepted']} persisted, p99 "
                            f"{result['latency_ms']['p99']} ms, "
                            f"server CPU {result['server_cpu_percent']}%")
        finally:
            backend.drop()
    return {"rounds": rounds, "sizes": sizes, "webhooks_per_round": webhooks,
            "max_seconds_per_round": max_seconds,
            "concurrency": concurrency,
            "mix": "one item per webhook; half comment on a random prefilled thread, half open "
                   "a new thread"}
