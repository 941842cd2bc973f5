"""Custom customer attributes on a real desk: admins define them, people fill them in, and
values that do not fit their definition are refused with the attribute named."""

from __future__ import annotations

import secrets
from typing import Any

from tests.customers.desk import customer
from tests.support.desk_api import DeskApi, item


def define(api: DeskApi, **fields: Any) -> dict[str, Any]:
    made = api.http.post("/api/customer-attributes", headers=api.admin, json=fields)
    assert made.status_code == 201, made.text
    return made.json()["attribute"]


def test_attributes_of_every_kind_are_checked_against_their_definition(api: DeskApi) -> None:
    agent = api.person()
    key = "k" + secrets.token_hex(3)
    tier = define(api, key=f"{key}_tier", label="Tier", kind="choice", choices=["gold", "silver"])
    define(api, key=f"{key}_since", label="Customer since", kind="date")
    define(api, key=f"{key}_orders", label="Orders", kind="number")
    define(api, key=f"{key}_note", label="Account", kind="text")
    channel = api.webhook_channel()
    api.ingest(channel, item(f"attributes {key}"))
    customer_id = api.thread_by_text(agent, f"attributes {key}")["customer_id"]

    good = api.call(agent, "PATCH", f"/api/customers/{customer_id}", json={"attributes": {
        f"{key}_tier": "gold", f"{key}_since": "2024-05-01", f"{key}_orders": 3,
        f"{key}_note": "B2B"}})
    bad = [api.call(agent, "PATCH", f"/api/customers/{customer_id}",
                    json={"attributes": {f"{key}_{name}": value}})
           for name, value in (("tier", "bronze"), ("since", "tomorrow"), ("orders", "3"),
                               ("note", 5))]

    assert good.status_code == 200, good.text
    assert good.json()["customer"]["attributes"] == {
        f"{key}_tier": "gold", f"{key}_since": "2024-05-01", f"{key}_orders": 3,
        f"{key}_note": "B2B"}
    assert [b.status_code for b in bad] == [400, 400, 400, 400]
    for answer, name in zip(bad, ("tier", "since", "orders", "note"), strict=True):
        assert f"attributes.{key}_{name}" in answer.json()["error"]["message"]
    shown = customer(api, agent, customer_id)
    assert shown["customer"]["attributes"] == good.json()["customer"]["attributes"]
    assert [a["key"] for a in shown["attributes"]][-4:] == [
        f"{key}_tier", f"{key}_since", f"{key}_orders", f"{key}_note"]

    cleared = api.call(agent, "PATCH", f"/api/customers/{customer_id}",
                       json={"attributes": {f"{key}_note": None}})
    refused = api.call(agent, "POST", "/api/customer-attributes",
                       json={"key": f"{key}_x", "label": "X", "kind": "text"})
    deleted = api.http.delete(f"/api/customer-attributes/{tier['id']}", headers=api.admin)

    assert f"{key}_note" not in cleared.json()["customer"]["attributes"]
    assert refused.status_code == 403
    assert deleted.status_code == 200, deleted.text
    assert f"{key}_tier" not in [a["key"] for a in customer(api, agent, customer_id)["attributes"]]


def test_definitions_that_cannot_work_are_refused(api: DeskApi) -> None:
    key = "k" + secrets.token_hex(3)
    answers = [
        api.http.post("/api/customer-attributes", headers=api.admin, json=fields)
        for fields in ({"key": f"{key}_a", "label": "A", "kind": "choice"},
                       {"key": "Not A Key", "label": "B", "kind": "text"},
                       {"key": f"{key}_c", "label": "C", "kind": "colour"})
    ]
    define(api, key=f"{key}_d", label="D", kind="text")
    twice = api.http.post("/api/customer-attributes", headers=api.admin,
                          json={"key": f"{key}_d", "label": "D again", "kind": "text"})

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert "kind" in answers[2].json()["error"]["message"]
    assert twice.status_code == 409
