"""Data protection against a real desk: a customer's data exported, then erased."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import prepare
from tests.faults.rows import query
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

AUTHOR = {"id": "jana-77", "name": "Jana Privatfrau"}


@pytest.fixture
def desk(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, str]]:
    token = prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(server.url, token)
    yield api, fresh_backend.database_url
    api.close()
    server.stop()


def test_a_customer_is_exported_then_erased_and_the_audit_keeps_only_ids(
    desk: tuple[DeskApi, str],
) -> None:
    api, database_url = desk
    channel = api.webhook_channel()
    api.ingest(channel, item("Schreiben Sie mir an jana.privat@example.com", author=AUTHOR,
                             visibility="private"))
    supervisor = api.person("supervisor")
    thread = api.thread_by_text(supervisor, "jana.privat@example.com")
    customer = api.call(supervisor, "GET", f"/api/threads/{thread['id']}/customer").json()
    customer_id = customer["customer"]["id"]
    assert api.call(supervisor, "POST", f"/api/threads/{thread['id']}/notes",
                    json={"text": "Jana ruft morgen an"}).status_code == 201
    assert api.call(supervisor, "POST", f"/api/customers/{customer_id}/notes",
                    json={"text": "Jana mag keine Anrufe"}).status_code == 201

    exported = api.http.get(f"/api/customers/{customer_id}/export", headers=api.admin)
    assert exported.status_code == 200, exported.text
    document = exported.json()
    assert document["customer"]["display_name"] == "Jana Privatfrau"
    assert document["contacts"][0]["external_id"] == "jana-77"
    assert {"kind": "email", "value": "jana.privat@example.com"}.items() <= \
        next(i for i in document["identities"] if i["kind"] == "email").items()
    assert "jana.privat@example.com" in document["threads"][0]["messages"][0]["text"]
    assert [n["text"] for n in document["thread_notes"]] == ["Jana ruft morgen an"]
    assert [n["text"] for n in document["customer_notes"]] == ["Jana mag keine Anrufe"]

    # Not permitted, or not confirmed: refused, nothing changed.
    assert api.call(supervisor, "POST", f"/api/customers/{customer_id}/erase",
                    json={"confirm": True}).status_code == 403
    unconfirmed = api.http.post(f"/api/customers/{customer_id}/erase", headers=api.admin,
                                json={})
    assert unconfirmed.status_code == 400
    assert api.http.get(f"/api/customers/{customer_id}/export",
                        headers=api.admin).json()["customer_notes"]

    erased = api.http.post(f"/api/customers/{customer_id}/erase", headers=api.admin,
                           json={"confirm": True})
    assert erased.status_code == 200, erased.text
    assert erased.json() == {"customer_id": customer_id, "threads": 1, "messages": 1}

    after = api.http.get(f"/api/customers/{customer_id}/export", headers=api.admin).json()
    assert after["customer"]["display_name"] == "Erased customer"
    assert [c["name"] for c in after["contacts"]] == ["Erased customer"]
    assert after["identities"] == [] and after["thread_notes"] == []
    assert after["customer_notes"] == []
    assert [m["text"] for m in after["threads"][0]["messages"]] == ["[erased]"]
    assert api.thread_by_text(supervisor, "[erased]")["id"] == thread["id"]

    # The record of what happened stays, without the person in it.
    actions = [row[0] for row in query(database_url, "SELECT action FROM audit_entry")]
    assert {"message.received", "note.add", "customer.export", "customer.erase"} <= set(actions)
    for table, column in (("audit_entry", "detail"), ("event", "payload")):
        stored = " ".join(json.dumps(row[0]) if not isinstance(row[0], str) else row[0]
                          for row in query(database_url, f"SELECT {column} FROM {table}"))
        for personal in ("Jana", "jana-77", "jana.privat@example.com"):
            assert personal not in stored, f"{personal} is still in {table}"
