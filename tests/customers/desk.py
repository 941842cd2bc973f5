"""Helpers for the customer tests: a customer's picture as the API shows it."""

from __future__ import annotations

from typing import Any

from tests.support.desk_api import DeskApi, Person


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
