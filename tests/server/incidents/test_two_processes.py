"""The crisis through signed webhooks on two desk processes sharing PostgreSQL and Redis:
both processes' groupers put the wave into one incident, and both show the same incident.

The issue's precision target (at most 5% of unrelated posts pulled in) is met in one process
(test_grouping.py) but not yet on two: each process has its own pool of unplaced posts, and
2026-12-04 this run pulled in 6.3%. The figure is printed, not asserted (docs/war-room.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import IncidentPost, Message
from server.settings import async_database_url
from tests.conftest import prepare
from tests.server.incidents.crisis import caught, crisis_items
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer

pytestmark = pytest.mark.pg_redis

POSTS = 1500
BATCH = 10


@pytest.fixture
def two_desks(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, DeskApi]]:
    token = prepare(fresh_backend)
    servers = [DeskServer(fresh_backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    apis = [DeskApi(s.url, token) for s in servers]
    yield apis[0], apis[1]
    for api, server in zip(apis, servers, strict=True):
        api.close()
        server.stop()


async def test_the_crisis_on_two_processes_lands_in_one_incident(
    two_desks: tuple[DeskApi, DeskApi], fresh_backend: Backend
) -> None:
    first, second = two_desks
    channel = first.webhook_channel("Crisis")
    items = crisis_items(POSTS)
    for n, start in enumerate(range(0, POSTS, BATCH)):
        (first, second)[n % 2].ingest(channel, *(p for p, _ in items[start:start + BATCH]))

    db = Database(async_database_url(fresh_backend.database_url))
    try:
        async with db.read() as session:
            grouped = dict((await session.execute(
                select(Message.external_id, IncidentPost.incident_id)
                .join(IncidentPost, IncidentPost.message_id == Message.id))).all())
    finally:
        await db.dispose()
    result = caught({payload["id"]: wave for payload, wave in items}, grouped)
    print(result.line())
    assert result.recall >= 0.9
    assert result.precision >= 0.95
    listed = first.http.get("/api/incidents", headers=first.admin).json()["incidents"]
    main = next(i for i in listed if i["id"] == result.incident_id)
    assert main["size"] == result.grouped + result.pulled_in
    same = second.http.get(f"/api/incidents/{result.incident_id}", headers=second.admin).json()
    assert same["incident"] == main
