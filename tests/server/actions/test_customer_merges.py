"""server/actions/customer_merges.py: merging two customers and splitting them again moves
exactly what the merge moved; splitting contacts off makes a customer of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.models import Contact, Customer, CustomerMerge, CustomerNote, Thread
from tests.support.inprocess import InProcessDesk

Owners = dict[str, dict[int | None, int | None]]


async def owners(desk: InProcessDesk) -> Owners:
    """Whose every contact, thread and customer note is."""
    async with desk.db.read() as session:
        return {name: {id_: owner for id_, owner in (await session.execute(
                    select(col(model.id), col(model.customer_id)))).all()}
                for name, model in (("contacts", Contact), ("threads", Thread),
                                    ("notes", CustomerNote))}


async def two_customers(desk: InProcessDesk) -> tuple[int, int, dict[str, Any]]:
    """Anna with a public and a private thread, A. Berg with one thread and a note."""
    anna = {"id": "anna-fb", "name": "Anna Berg"}
    kept = (await desk.post("Where is my parcel?", author=anna))["customer_id"]
    await desk.post("Still waiting", author=anna, visibility="private")
    card = await desk.post("Order 77 missing", author={"id": "a-berg", "name": "A. Berg"})
    other = card["customer_id"]
    await desk.ok(desk.agent, "POST", f"/api/customers/{other}/notes",
                  json={"text": "Prefers e-mail"})
    await desk.ok(desk.agent, "PATCH", f"/api/customers/{other}",
                  json={"tags": ["returns"], "vip": True, "language": "de"})
    assert kept != other
    return kept, other, card


async def test_merge_then_split_restores_every_contact_thread_and_note(
    desk: InProcessDesk
) -> None:
    kept, other, card = await two_customers(desk)
    before = await owners(desk)
    other_before = (await desk.row(Customer, other)).model_dump()

    async with desk.capture() as got:
        merged = await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/merge",
                               json={"other_id": other, "reason": "same person"})

    moved = await owners(desk)
    for kind in moved:
        assert moved[kind] == {k: kept if v == other else v for k, v in before[kind].items()}
    assert merged["customer"]["vip"] is True and merged["customer"]["tags"] == ["returns"]
    assert merged["customer"]["language"] == "de"
    assert got.types == ["customer.merged", "thread.customer_changed"]
    assert got.one("customer.merged")["merged_id"] == other
    changed = got.one("thread.customer_changed")
    assert (changed["thread_id"], changed["card"]["customer_id"]) == (card["id"], kept)
    [audit] = await desk.audits("customer.merge")
    assert audit.actor_id == desk.agent.id
    assert audit.detail["merge_id"] == merged["merge_id"]
    assert audit.detail["thread_ids"] == [card["id"]] and audit.detail["reason"] == "same person"
    assert (await desk.row(Customer, other)).merged_into_id == kept

    async with desk.capture() as got:
        split = await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/split",
                              json={"merge_id": merged["merge_id"]})

    assert await owners(desk) == before
    assert split["restored"]["id"] == other
    assert (await desk.row(Customer, other)).model_dump() | {"updated_at": None} == (
        other_before | {"updated_at": None})
    assert got.types == ["customer.split", "thread.customer_changed"]
    assert got.one("thread.customer_changed")["card"]["customer_id"] == other
    [undone] = await desk.audits("customer.split")
    assert undone.detail["merge_id"] == merged["merge_id"]
    assert undone.detail["contact_ids"] == audit.detail["contact_ids"]
    merge = await desk.row(CustomerMerge, merged["merge_id"])
    assert merge.split_by_id == desk.agent.id and merge.split_at is not None
    await desk.refuses(desk.agent, "POST", f"/api/customers/{kept}/split", 409, "conflict",
                       json={"merge_id": merged["merge_id"]})


async def test_contacts_split_off_become_a_customer_with_their_threads(
    desk: InProcessDesk
) -> None:
    kept, other, card = await two_customers(desk)
    merged = await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/merge",
                           json={"other_id": other})
    a_berg = [c for c, owner in (await owners(desk))["contacts"].items()
              if owner == kept and (await desk.row(Contact, c)).external_id == "a-berg"]

    split = await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/split",
                          json={"contact_ids": a_berg})

    fresh = split["restored"]["id"]
    assert fresh not in (kept, other) and split["restored"]["display_name"] == "A. Berg"
    assert (await desk.row(Contact, a_berg[0])).customer_id == fresh
    assert (await desk.row(Thread, card["id"])).customer_id == fresh
    # The merge's note stays with the customer it was merged into, and that merge can no
    # longer take back a contact split off since.
    assert set((await owners(desk))["notes"].values()) == {kept}
    await desk.ok(desk.agent, "POST", f"/api/customers/{kept}/split",
                  json={"merge_id": merged["merge_id"]})
    assert (await desk.row(Contact, a_berg[0])).customer_id == fresh
    assert (await desk.row(Thread, card["id"])).customer_id == fresh
    assert set((await owners(desk))["notes"].values()) == {other}  # the merge's note goes back


async def test_a_merge_or_split_that_cannot_be_done_changes_nothing(
    desk: InProcessDesk
) -> None:
    kept, other, _ = await two_customers(desk)
    merge, split = f"/api/customers/{kept}/merge", f"/api/customers/{kept}/split"
    mine = (await owners(desk))["contacts"]
    anna = [c for c, owner in mine.items() if owner == kept]
    a_berg = [c for c, owner in mine.items() if owner == other]

    await desk.refuses(desk.agent, "POST", merge, 400, "invalid", json={"other_id": kept})
    await desk.refuses(desk.agent, "POST", merge, 404, "not_found", json={"other_id": 99999})
    await desk.refuses(desk.viewer, "POST", merge, 403, "forbidden", json={"other_id": other})
    await desk.refuses(desk.agent, "POST", split, 400, "invalid", json={})
    await desk.refuses(desk.agent, "POST", split, 400, "invalid",
                       json={"merge_id": 1, "contact_ids": anna})
    await desk.refuses(desk.agent, "POST", split, 400, "invalid", json={"contact_ids": anna})
    await desk.refuses(desk.agent, "POST", split, 400, "invalid", json={"contact_ids": a_berg})
    await desk.refuses(desk.agent, "POST", split, 404, "not_found", json={"merge_id": 99999})

    await desk.ok(desk.agent, "POST", merge, json={"other_id": other})
    # The merged customer is gone from merging; a third one cannot take it.
    third = (await desk.post("Hello", author={"id": "third", "name": "Third"}))["customer_id"]
    await desk.refuses(desk.agent, "POST", f"/api/customers/{third}/merge", 409, "conflict",
                       json={"other_id": other})
