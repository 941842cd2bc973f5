"""server/actions/customer_attributes.py: the attributes admins define for customers, and
each kind's check of a value."""

from __future__ import annotations

from typing import Any

from server.models import AttributeDefinition, Customer
from tests.support.inprocess import InProcessDesk

ATTRIBUTES = "/api/customer-attributes"


async def define(desk: InProcessDesk, key: str, kind: str, **extra: Any) -> dict[str, Any]:
    made = await desk.ok(desk.admin, "POST", ATTRIBUTES,
                         json={"key": key, "label": f"  {key.title()}  ", "kind": kind, **extra})
    return made["attribute"]


async def a_customer(desk: InProcessDesk) -> int:
    return (await desk.post("I have a question about my contract"))["customer_id"]


async def test_each_kind_is_defined_listed_in_order_and_audited(desk: InProcessDesk) -> None:
    plan = await define(desk, "plan", "choice", choices=[" gold ", "silver", "gold", ""],
                        position=2)
    since = await define(desk, "customer_since", "date", position=1)
    await define(desk, "orders", "number", position=3)
    await define(desk, "note", "text", choices=["ignored"], position=4)

    assert plan == {"id": plan["id"], "key": "plan", "label": "Plan", "kind": "choice",
                    "choices": ["gold", "silver"], "position": 2}
    listed = (await desk.ok(desk.agent, "GET", ATTRIBUTES))["attributes"]
    assert [a["key"] for a in listed] == ["customer_since", "plan", "orders", "note"]
    assert listed[-1]["choices"] == []  # only a choice keeps choices
    audits = await desk.audits("customer.attribute_define")
    assert [a.detail["key"] for a in audits] == ["plan", "customer_since", "orders", "note"]
    assert audits[1].detail == since and audits[0].actor_id == desk.admin.id


async def test_a_value_must_fit_its_attribute_or_nothing_changes(desk: InProcessDesk) -> None:
    await define(desk, "plan", "choice", choices=["gold", "silver"])
    await define(desk, "since", "date")
    await define(desk, "orders", "number")
    await define(desk, "remark", "text")
    customer_id = await a_customer(desk)
    path = f"/api/customers/{customer_id}"

    for wrong, says in (({"plan": "bronze"}, "gold, silver"), ({"since": "2026-13-01"}, "date"),
                        ({"orders": "twelve"}, "number"), ({"remark": 5}, "text"),
                        ({"unknown": "x"}, "attributes.unknown")):
        error = await desk.refuses(desk.agent, "PATCH", path, 400, "invalid",
                                   json={"attributes": wrong})
        assert says in error["message"], error

    answer = await desk.ok(desk.agent, "PATCH", path, json={"attributes": {
        "plan": "gold", "since": "2026-02-03", "orders": 12.5, "remark": "calls at noon"}})
    assert answer["customer"]["attributes"] == {
        "plan": "gold", "since": "2026-02-03", "orders": 12.5, "remark": "calls at noon"}
    # Null or empty removes a value.
    answer = await desk.ok(desk.agent, "PATCH", path,
                           json={"attributes": {"remark": None, "orders": ""}})
    assert answer["customer"]["attributes"] == {"plan": "gold", "since": "2026-02-03"}


async def test_a_change_keeps_key_and_kind_and_a_deleted_one_takes_no_values(
    desk: InProcessDesk
) -> None:
    plan = await define(desk, "plan", "choice", choices=["gold"])
    path = f"{ATTRIBUTES}/{plan['id']}"
    await desk.refuses(desk.admin, "PATCH", path, 400, "invalid", json={"choices": [" "]})

    changed = (await desk.ok(desk.admin, "PATCH", path, json={
        "label": "Tariff", "choices": ["gold", "platinum"], "position": 9}))["attribute"]

    assert changed == {**plan, "label": "Tariff", "choices": ["gold", "platinum"],
                       "position": 9}
    [audit] = await desk.audits("customer.attribute_change")
    assert audit.detail == changed
    customer_id = await a_customer(desk)
    await desk.ok(desk.agent, "PATCH", f"/api/customers/{customer_id}",
                  json={"attributes": {"plan": "platinum"}})

    async with desk.capture() as got:
        assert await desk.ok(desk.admin, "DELETE", path) == {"deleted": plan["id"]}

    assert got.events == []  # a definition is admin data, not a board's
    [deleted] = await desk.audits("customer.attribute_delete")
    assert deleted.detail == changed
    async with desk.db.read() as session:
        assert await session.get(AttributeDefinition, plan["id"]) is None
    await desk.refuses(desk.agent, "PATCH", f"/api/customers/{customer_id}", 400, "invalid",
                       json={"attributes": {"plan": "gold"}})
    assert (await desk.row(Customer, customer_id)).attributes == {"plan": "platinum"}
    await desk.refuses(desk.admin, "DELETE", path, 404, "not_found")


async def test_a_bad_definition_or_a_caller_who_is_not_an_admin_is_refused(
    desk: InProcessDesk
) -> None:
    await define(desk, "plan", "text")
    for wrong, status, code in (({"key": "plan"}, 409, "conflict"),
                                ({"key": "Plan-2"}, 400, "invalid"),
                                ({"key": "tier", "kind": "choice"}, 400, "invalid"),
                                ({"key": "tier", "label": "   "}, 400, "invalid"),
                                ({"key": "tier", "kind": "colour"}, 400, "invalid")):
        await desk.refuses(desk.admin, "POST", ATTRIBUTES, status, code,
                           json={"label": "Tier", "kind": "text", **wrong})
    await desk.refuses(desk.supervisor, "POST", ATTRIBUTES, 403, "forbidden",
                       json={"key": "tier", "label": "Tier", "kind": "text"})
    await desk.refuses(desk.admin, "PATCH", f"{ATTRIBUTES}/99999", 404, "not_found",
                       json={"label": "Other"})
    assert len((await desk.ok(desk.agent, "GET", ATTRIBUTES))["attributes"]) == 1
