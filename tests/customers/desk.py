"""Helpers for the customer tests: a customer's picture as the API shows it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.support.desk_api import DeskApi, Person, WebhookChannel, item


def customer(api: DeskApi, person: Person, customer_id: int) -> dict[str, Any]:
    response = api.call(person, "GET", f"/api/customers/{customer_id}")
    assert response.status_code == 200, response.text
    return response.json()


def picture(api: DeskApi, person: Person, customer_id: int) -> dict[str, Any]:
    """What must survive a merge and a split: contacts, threads, every message of each."""
    found = customer(api, person, customer_id)
    threads = {}
    for card in found["threads"]:
        detail = api.call(person, "GET", f"/api/threads/{card['id']}").json()
        threads[card["id"]] = [(m["id"], m["text"], m["contact_id"])
                               for m in detail["messages"]]
    return {"id": found["customer"]["id"],
            "contacts": sorted(c["id"] for c in found["contacts"]),
            "threads": threads,
            "notes": sorted(n["id"] for n in found["notes"])}


def merge(api: DeskApi, person: Person, into: int, other: int) -> dict[str, Any]:
    response = api.call(person, "POST", f"/api/customers/{into}/merge",
                        json={"other_id": other})
    assert response.status_code == 200, response.text
    return response.json()


def suggestions(api: DeskApi, person: Person, customer_id: int) -> list[dict[str, Any]]:
    response = api.call(person, "GET", f"/api/customers/{customer_id}/suggestions")
    assert response.status_code == 200, response.text
    return response.json()["suggestions"]


def customer_actions(api: DeskApi, agent: Person, channel: WebhookChannel
                     ) -> list[tuple[Person, Callable[[], Awaitable[Any]]]]:
    """Change, note, merge and split customers: what the board must follow (their threads'
    cards change customer)."""
    api.ingest(channel, item("customer actions one", author={"id": "ca-1", "name": "Ca One"}),
               item("customer actions two", author={"id": "ca-2", "name": "Ca Two"}))
    kept = api.thread_by_text(agent, "customer actions one")["customer_id"]
    other = api.thread_by_text(agent, "customer actions two")["customer_id"]
    merged: dict[str, int] = {}

    async def rest(method: str, path: str, **body: Any) -> dict[str, Any]:
        response = await asyncio.to_thread(api.call, agent, method, path, json=body)
        assert response.is_success, response.text
        return response.json()

    async def do_merge() -> None:
        merged["id"] = (await rest("POST", f"/api/customers/{kept}/merge",
                                   other_id=other))["merge_id"]

    return [
        (agent, lambda: rest("PATCH", f"/api/customers/{kept}", vip=True, tags=["vip"])),
        (agent, lambda: rest("POST", f"/api/customers/{kept}/notes", text="A regular")),
        (agent, do_merge),
        (agent, lambda: rest("POST", f"/api/customers/{kept}/split",
                             merge_id=merged["id"])),
    ]
