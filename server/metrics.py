"""The desk's Prometheus metrics (the official prometheus-client).

The metrics are module-level objects, the client's own idiom: any module increments them
(`metrics.SLA_BREACHES.inc()`), and each process keeps its own values. With several worker
processes `tandem serve --workers N` points PROMETHEUS_MULTIPROC_DIR at a fresh folder
before the workers start (the client picks its file-backed values when it is first
imported), and /metrics then merges every process's files (server/routes/metrics.py).
Gauges say how they add up across processes: "livesum" counts only living workers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

WORKERS = Gauge(
    "tandem_worker_processes", "Desk processes serving now.", multiprocess_mode="livesum"
)
LIVE_CONNECTIONS = Gauge(
    "tandem_live_connections", "Socket.IO connections signed in now.",
    multiprocess_mode="livesum",
)
EVENTS = Counter("tandem_events", "Desk events committed (their rate is events per second).")
FANOUT_LAG = Histogram(
    "tandem_fanout_lag_seconds",
    "From an event's commit to its frame being handed to the boards of this process.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
INGESTED = Counter("tandem_ingested_items", "Inbound items stored by ingest.")
INGEST_QUEUE = Gauge(
    "tandem_ingest_queue_items", "Inbound items waiting to be stored.",
    multiprocess_mode="livesum",
)
CLAIM_CONFLICTS = Counter(
    "tandem_claim_conflicts", "Claims refused because someone else holds the thread."
)
SLA_BREACHES = Counter(
    "tandem_sla_breaches", "Threads whose service-level clock ran out.", ["channel"]
)
HTTP_LATENCY = Histogram(
    "tandem_http_request_duration_seconds", "HTTP requests by route, method and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def count_events(events: Iterable[Any]) -> None:
    EVENTS.inc(sum(1 for _ in events))


async def events_committed(events: Any) -> None:
    """The after-commit subscriber (create_app's table): count what committed."""
    count_events(events)


def process_started() -> None:
    WORKERS.inc()


def forget_dead_processes(folder: str) -> None:
    """Drop the live gauges of workers that died without saying so (killed, or restarted
    by uvicorn's supervisor): their files would count them as serving forever."""
    from prometheus_client import multiprocess

    pids = {path.stem.rsplit("_", 1)[-1] for path in Path(folder).glob("gauge_live*_*.db")}
    for pid in pids:
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process by that number: alive
    return True


def process_ended() -> None:
    """Drop this process's live gauges from the merged figures (multiprocess mode)."""
    WORKERS.dec()
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


class LatencyMiddleware:
    """Time every HTTP request, labelled by its route's pattern (never the raw path: ids in
    paths would make a series per thread)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The router sets scope["route"] on the scope it was given, this very dict.
            route = getattr(scope.get("route"), "path", None) or "other"
            HTTP_LATENCY.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
