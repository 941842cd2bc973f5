"""server/actions/customers.py: changing what the desk knows about a customer, and notes
about them."""

from __future__ import annotations

from server.models import Customer, CustomerNote
from tests.support.inprocess import InProcessDesk


async def a_customer(desk: InProcessDesk, name: str = "Ulla Berger") -> int:
    author = {"id": name.lower().replace(" ", "-"), "name": name}
    return (await desk.post("My parcel is late", author=author))["customer_id"]


async def test_an_update_changes_only_the_fields_given_audited_and_announced(
    desk: InProcessDesk
) -> None:
    await desk.ok(desk.admin, "POST", "/api/customer-attributes",
                  json={"key": "orders", "label": "Orders", "kind": "number"})
    customer_id = await a_customer(desk)
    path = f"/api/customers/{customer_id}"

    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "PATCH", path, json={
            "display_name": "  Ulla B.  ", "vip": True, "language": "de",
            "tags": [" returns ", "returns", "", "late"], "attributes": {"orders": 3}})

    customer = answer["customer"]
    assert customer == {"id": customer_id, "display_name": "Ulla B.", "language": "de",
                        "vip": True, "tags": ["returns", "late"], "attributes": {"orders": 3},
                        "merged_into_id": None}
    updated = got.one("customer.updated")
    assert updated["customer"] == customer
    assert updated["changed"] == ["attributes", "display_name", "language", "tags", "vip"]
    assert updated["by"] == {"id": desk.agent.id, "name": desk.agent.name}
    [audit] = await desk.audits("customer.update")
    assert audit.detail == {"customer_id": customer_id, "display_name": "Ulla B.",
                            "vip": True, "language": "de", "tags": ["returns", "late"],
                            "attributes": {"orders": 3}}

    # Null language is "unknown"; the rest stays as it was.
    again = await desk.ok(desk.agent, "PATCH", path, json={"language": None, "vip": None})
    assert again["customer"] == {**customer, "language": None}
    row = await desk.row(Customer, customer_id)
    assert (row.vip, row.language, row.tags) == (True, None, ["returns", "late"])


async def test_a_bad_field_is_refused_and_nothing_changes(desk: InProcessDesk) -> None:
    customer_id = await a_customer(desk)
    path = f"/api/customers/{customer_id}"
    before = (await desk.row(Customer, customer_id)).model_dump()

    for wrong in ({"display_name": "   "}, {"display_name": ""}, {"language": "German"},
                  {"tags": [f"t{n}" for n in range(21)]}, {"vip": "very"},
                  {"attributes": {"undefined": "x"}}):
        await desk.refuses(desk.agent, "PATCH", path, 400, "invalid", json=wrong)
    await desk.refuses(desk.viewer, "PATCH", path, 403, "forbidden", json={"vip": True})
    await desk.refuses(desk.agent, "PATCH", "/api/customers/99999", 404, "not_found",
                       json={"vip": True})
    assert (await desk.row(Customer, customer_id)).model_dump() == before


async def test_a_note_is_kept_with_its_author_and_follows_a_merge(desk: InProcessDesk) -> None:
    customer_id = await a_customer(desk)
    notes = f"/api/customers/{customer_id}/notes"
    await desk.refuses(desk.agent, "POST", notes, 400, "invalid", json={"text": "   "})
    await desk.refuses(desk.viewer, "POST", notes, 403, "forbidden", json={"text": "Hi"})

    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "POST", notes, json={"text": "  Calls at noon  "})

    note = answer["note"]
    assert (note["customer_id"], note["text"]) == (customer_id, "Calls at noon")
    assert note["author"] == {"id": desk.agent.id, "name": desk.agent.name}
    assert got.one("customer.note_added")["note"] == note
    [audit] = await desk.audits("customer.note")
    assert audit.detail == {"customer_id": customer_id, "note_id": note["id"]}
    assert (await desk.row(CustomerNote, note["id"])).author_id == desk.agent.id

    # Written to a customer merged away, the note goes to the one it was merged into.
    kept = await a_customer(desk, "Ulla Berger-Roth")
    await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/merge",
                  json={"other_id": customer_id})
    later = (await desk.ok(desk.agent, "POST", notes, json={"text": "Merged now"}))["note"]
    assert later["customer_id"] == kept
    shown = await desk.ok(desk.agent, "GET", f"/api/customers/{kept}")
    assert [n["text"] for n in shown["notes"]] == ["Calls at noon", "Merged now"]
