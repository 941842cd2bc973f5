"""Routing and automatic assignment under load: 500 posts through two desk processes at once.

Billing's five agents have room for all of its posts and take turns (within one of each
other); Support's three agents fill up to their capacity and the rest waits in the queue.
Sampled while the posts stream in, nobody is ever over capacity; at the end no routable
thread waits while somebody has room. PostgreSQL (the pg pass, with Redis) and the embedded
SQLite file alike.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.webhook import sign
from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, Person, WebhookChannel, item
from tests.support.servers import DeskServer

POSTS = 500
BILLING_POSTS = 300
PER_REQUEST = 5
AT_ONCE = 8  # webhook requests in flight per process
BILLING_AGENTS, BILLING_CAPACITY = 5, 100
SUPPORT_AGENTS, SUPPORT_CAPACITY = 3, 20


@pytest.fixture
def two_desks(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, DeskApi]]:
    token = prepare(fresh_backend)
    servers = [DeskServer(fresh_backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    apis = [DeskApi(s.url, token) for s in servers]
    yield apis[0], apis[1]
    for api, server in zip(apis, servers, strict=True):
        api.close()
        server.stop()


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def team_with_agents(api: DeskApi, name: str, agents: int, capacity: int
                     ) -> tuple[int, list[Person]]:
    team_id = ok(api.http.post("/api/teams", headers=api.admin, json={
        "name": name, "auto_assign": True, "capacity": capacity}))["team"]["id"]
    people = [api.person() for _ in range(agents)]
    for person in people:
        ok(api.http.put(f"/api/teams/{team_id}/members/{person.id}", headers=api.admin, json={}))
        ok(api.call(person, "PUT", "/api/me/availability", json={"state": "online"}))
    return team_id, people


async def post(http: httpx.AsyncClient, channel: WebhookChannel, items: list[dict[str, Any]]
               ) -> None:
    body = json.dumps(items).encode()
    stamp = str(int(time.time()))
    response = await http.post(f"/webhooks/generic/{channel.id}", content=body, headers={
        "Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
        "X-Tandem-Signature": sign(channel.secret, stamp, body)})
    assert response.status_code == 200, response.text


def loads(api: DeskApi, viewer: Person) -> tuple[Counter[int], list[dict[str, Any]]]:
    cards = api.threads(viewer, status="all", limit=5000)["threads"]
    return Counter(c["assignee"]["id"] for c in cards if c["assignee"]), cards


async def test_500_posts_through_two_processes_keep_capacity_and_take_turns(
    two_desks: tuple[DeskApi, DeskApi]
) -> None:
    first, second = two_desks
    billing, billing_agents = team_with_agents(first, "Billing", BILLING_AGENTS,
                                               BILLING_CAPACITY)
    support, support_agents = team_with_agents(second, "Support", SUPPORT_AGENTS,
                                               SUPPORT_CAPACITY)
    for name, team_id, position, conditions in (
            ("Billing DE", billing, 1, {"words": ["rechnung"]}), ("Rest", support, 9, {})):
        ok(first.http.post("/api/routing-rules", headers=first.admin, json={
            "name": name, "team_id": team_id, "position": position, "conditions": conditions}))
    channel = first.webhook_channel("Load")
    viewer = first.person("viewer")
    texts = [f"Meine Rechnung {n} ist zu hoch" if n < BILLING_POSTS
             else f"Mein Paket {n} ist nicht angekommen" for n in range(POSTS)]
    items = [item(text) for text in texts[::2]] + [item(text) for text in texts[1::2]]
    requests = [items[n:n + PER_REQUEST] for n in range(0, POSTS, PER_REQUEST)]
    capacity = {p.id: BILLING_CAPACITY for p in billing_agents} | {
        p.id: SUPPORT_CAPACITY for p in support_agents}
    streaming = True
    samples = 0

    async def sample() -> None:
        nonlocal samples
        while streaming:
            counted, _ = await asyncio.to_thread(loads, second, viewer)
            over = {user: n for user, n in counted.items() if n > capacity[user]}
            assert not over, f"over capacity while posts stream in: {over}"
            samples += 1
            await asyncio.sleep(0.05)

    async def stream(api: DeskApi, mine: list[list[dict[str, Any]]]) -> None:
        slots = asyncio.Semaphore(AT_ONCE)
        async with httpx.AsyncClient(base_url=api.url, timeout=120) as http:
            async def one(request: list[dict[str, Any]]) -> None:
                async with slots:
                    await post(http, channel, request)
            await asyncio.gather(*(one(r) for r in mine))

    sampler = asyncio.create_task(sample())
    await asyncio.wait_for(asyncio.gather(stream(first, requests[::2]),
                                          stream(second, requests[1::2])), 240)
    streaming = False
    await sampler

    counted, cards = loads(first, viewer)
    assert len(cards) == POSTS and samples > 0
    billing_counts = [counted[p.id] for p in billing_agents]
    support_counts = [counted[p.id] for p in support_agents]
    # Billing: every thread assigned, in turns (within one of each other).
    assert sum(billing_counts) == BILLING_POSTS
    assert max(billing_counts) - min(billing_counts) <= 1, billing_counts
    # Support: everybody full, the rest waits in the queue; nobody over capacity.
    assert support_counts == [SUPPORT_CAPACITY] * SUPPORT_AGENTS
    queued = [c for c in cards if c["team_id"] == support and c["assignee"] is None]
    assert len(queued) == POSTS - BILLING_POSTS - SUPPORT_AGENTS * SUPPORT_CAPACITY
    assert all(c["team_id"] == billing and c["routed_by"] == "Billing DE"
               for c in cards if "Rechnung" in c["excerpt"])
