"""GET /metrics: the Prometheus text format, merged across worker processes.

Protected: with TANDEM_METRICS_TOKEN set, a scraper sends it as a bearer token; with
TANDEM_METRICS_OPEN=true the figures are open (a desk whose /metrics only a private network
reaches); with neither the route does not exist.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server.auth import bearer_token
from server.metrics import forget_dead_processes, multiprocess_dir
from server.queries.outbox_depth import outbox_depth
from server.routes.common import desk_of


class _Scrape:
    """One scrape's figures: every process's metrics and the desk-wide ones read now."""

    def __init__(self, sources: list[Any], read_now: list[Metric]) -> None:
        self.sources = sources
        self.read_now = read_now

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()
        yield from self.read_now


def _allowed(request: Request) -> bool | None:
    """True to answer, False for 401, None when metrics are off."""
    settings = desk_of(request).settings
    if settings.metrics_token:
        given = bearer_token(request.headers.get("authorization")) or ""
        return hmac.compare_digest(given.encode(), settings.metrics_token.encode())
    return True if settings.metrics_open else None


async def metrics(request: Request) -> Response:
    allowed = _allowed(request)
    if allowed is None:
        return PlainTextResponse("Not Found", status_code=404)
    if not allowed:
        return PlainTextResponse(
            "Send the metrics token as a bearer token.", status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    depth = await outbox_depth(desk_of(request).db)
    waiting = GaugeMetricFamily("tandem_outbox_items", "Replies waiting in the outbox.",
                                value=depth.items)
    oldest = GaugeMetricFamily(
        "tandem_outbox_oldest_age_seconds", "Age of the oldest reply waiting in the outbox.",
        value=depth.oldest_age_seconds,
    )
    folder = multiprocess_dir()
    if folder:
        from prometheus_client.multiprocess import MultiProcessCollector

        forget_dead_processes(folder)
        sources: list[Any] = [MultiProcessCollector(None, path=folder)]
    else:
        sources = [REGISTRY]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(sources, [waiting, oldest]))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


routes = [Route("/metrics", metrics)]
