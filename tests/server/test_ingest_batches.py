"""Ingest under concurrency: webhooks stored a batch per transaction (group commit).

Many webhooks at once, some carrying the same item (a provider retrying while the first
delivery is under way): every item is stored once, every acknowledged item is stored, the
events reach a live board in commit order with each thread opened before its messages, and
a desk with more waiting than it can write refuses at once with 503 and Retry-After.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from channels.webhook import sign
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, WebhookChannel, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def _post(http: httpx.AsyncClient, channel: WebhookChannel, items: list[dict[str, Any]]
                ) -> httpx.Response:
    body = json.dumps(items).encode()
    stamp = str(int(time.time()))
    return await http.post(f"/webhooks/generic/{channel.id}", content=body, headers={
        "Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
        "X-Tandem-Signature": sign(channel.secret, stamp, body),
    })


async def test_concurrent_webhooks_store_each_item_once_in_commit_order(
    server: DeskServer, api: DeskApi
) -> None:
    channel = api.webhook_channel()
    person = api.person()
    board = LiveBoard(server.url, person.token)
    assert (await board.connect(since=api.threads(person)["seq"]))["ok"]
    tag = secrets.token_hex(4)
    items = [item(f"{tag} Nachricht {n}", thread=f"{tag}-{n % 5}") for n in range(20)]

    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        answers = await asyncio.gather(*(_post(http, channel, [i]) for i in items + items))

    assert [a.status_code for a in answers] == [200] * 40
    assert sum(a.json()["stored"] for a in answers) == 20
    assert sum(a.json()["duplicates"] for a in answers) == 20
    # The REST seq is how far this process's event stream has read, which may still be
    # behind the commits just answered: wait for the events themselves.
    await board.wait_for(lambda b: len([e for e in b.of_type("message.added")
                                        if e["payload"]["message"]["text"].startswith(tag)])
                         >= 20, timeout=15, what="every message, live")
    await board.disconnect()

    mine = [e for e in board.events if e["payload"].get("card", {}).get("excerpt", "")
            .startswith(tag)]
    seqs = [e["seq"] for e in mine]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    added = [e for e in mine if e["type"] == "message.added"]
    assert sorted(e["payload"]["message"]["text"] for e in added) == sorted(
        i["text"] for i in items)
    by_thread: dict[int, list[dict[str, Any]]] = {}
    for event in mine:
        by_thread.setdefault(event["payload"]["card"]["id"], []).append(event)
    assert len(by_thread) == 5
    for events in by_thread.values():
        # Opened once, first; then its four messages, the card counting along.
        assert [e["type"] for e in events] == ["thread.opened"] + ["message.added"] * 4
        assert [e["payload"]["card"]["message_count"] for e in events[1:]] == [1, 2, 3, 4]
    cards = {c["id"]: c for c in api.threads(person, status="all", limit=5000)["threads"]}
    for thread_id, events in by_thread.items():
        assert cards[thread_id] == events[-1]["payload"]["card"]


@pytest.fixture
def small_queue_desk(backend: Backend, admin_token: str, tmp_path: Path
                     ) -> Iterator[tuple[DeskServer, DeskApi]]:
    """A desk that refuses once one 400-item webhook waits behind the one being written."""
    server = DeskServer(backend.env(), tmp_path / "desk.log",
                        extra={"TANDEM_INGEST_QUEUE_LIMIT": "400"}).start()
    api = DeskApi(server.url, admin_token)
    yield server, api
    api.close()
    server.stop()


async def test_an_overloaded_desk_answers_503_at_once_and_stores_what_it_acknowledged(
    small_queue_desk: tuple[DeskServer, DeskApi],
) -> None:
    server, api = small_queue_desk
    channel = api.webhook_channel()
    person = api.person()
    tag = secrets.token_hex(4)
    # Large webhooks all at once: while the writer stores the first, one more may wait, and
    # the desk refuses the rest at once instead of letting them pile up.
    requests = [[item(f"{tag} {r} {n}", thread=f"{tag}-{r}") for n in range(400)]
                for r in range(8)]
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        answers = await asyncio.gather(*(_post(http, channel, r) for r in requests))

    refused = [a for a in answers if a.status_code == 503]
    assert refused, [a.status_code for a in answers]
    assert all(a.headers["Retry-After"].isdigit() for a in refused)
    assert {a.status_code for a in answers} == {200, 503}
    threads = api.threads(person, q=tag, status="all", limit=5000)["threads"]
    counts = {card["excerpt"].split()[1]: card["message_count"] for card in threads}
    for number, answer in enumerate(answers):
        if answer.status_code == 200:
            assert answer.json() == {"stored": 400, "duplicates": 0}
            assert counts[str(number)] == 400
        else:
            assert str(number) not in counts
