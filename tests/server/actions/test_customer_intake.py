"""server/actions/customer_intake.py: in ingest's transaction every new contact gets a
customer of its own, and the identities its profile and messages show are recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from channels.base import InboundItem
from server.actions.ingest import do_ingest
from server.models import Contact, ContactIdentity, Customer, Message
from tests.support.inprocess import InProcessDesk


def item(external_id: str, text: str, author_id: str = "ulla", **extra: Any) -> InboundItem:
    values: dict[str, Any] = {"author_name": "Ulla Berger", "visibility": "public"}
    return InboundItem(external_id=external_id, text=text, author_id=author_id,
                       **{**values, **extra})


async def ingest(desk: InProcessDesk, *items: InboundItem) -> list[int]:
    return (await do_ingest(desk.desk.ingest, desk.channel_id, items)).stored


async def contact(desk: InProcessDesk, external_id: str) -> Contact:
    async with desk.db.read() as session:
        found = await session.scalar(select(Contact).where(
            col(Contact.external_id) == external_id))
    assert found is not None
    return found


async def identities(desk: InProcessDesk, contact_id: int | None) -> set[tuple[str, str, str, Any]]:
    async with desk.db.read() as session:
        rows = (await session.scalars(select(ContactIdentity).where(
            col(ContactIdentity.contact_id) == contact_id))).all()
    return {(r.kind, r.value, r.source, r.message_id) for r in rows}


async def customers(desk: InProcessDesk) -> int:
    async with desk.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Customer)) or 0)


async def test_each_new_contact_of_a_batch_gets_a_customer_of_its_own(
    desk: InProcessDesk
) -> None:
    before = await customers(desk)
    await ingest(desk, item("i-1", "first", "ulla"), item("i-2", "second", "bo",
                                                            author_name="Bo Brandt"),
                 item("i-3", "again", "ulla"))

    ulla, bo = await contact(desk, "ulla"), await contact(desk, "bo")
    assert ulla.customer_id is not None and bo.customer_id is not None
    assert ulla.customer_id != bo.customer_id
    assert await customers(desk) == before + 2
    assert (await desk.row(Customer, ulla.customer_id)).display_name == "Ulla Berger"
    made = await desk.row(Customer, bo.customer_id)
    assert (made.display_name, made.vip, made.tags, made.attributes, made.language) == (
        "Bo Brandt", False, [], {}, None)
    card = await desk.card_with("second")
    assert card["customer_id"] == bo.customer_id

    # A known author writing again is no new customer.
    await ingest(desk, item("i-4", "later", "ulla"))
    assert await customers(desk) == before + 2
    assert (await contact(desk, "ulla")).customer_id == ulla.customer_id


async def test_the_profile_gives_name_words_and_a_handle_or_an_address(
    desk: InProcessDesk
) -> None:
    await ingest(desk, item("p-1", "hi", "ulla", author_handle="@Ulla_B"),
                 item("p-2", "hi", "jo", author_name="Jo Jürgens",
                      author_handle="Jo.J@Example.org"))

    assert await identities(desk, (await contact(desk, "ulla")).id) == {
        ("handle", "ulla_b", "profile", None), ("name", "ulla", "profile", None),
        ("name", "berger", "profile", None)}
    # Too short a word ("Jo") is no name; accents are folded.
    assert await identities(desk, (await contact(desk, "jo")).id) == {
        ("email", "jo.j@example.org", "profile", None),
        ("name", "jurgens", "profile", None)}


async def test_an_address_or_number_written_in_a_message_is_recorded_once(
    desk: InProcessDesk
) -> None:
    [first] = await ingest(desk, item(
        "m-1", "Write to Ulla.B@Example.com or call +49 151 2345678, order of 2026-02-03"))
    ulla = await contact(desk, "ulla")
    found = await identities(desk, ulla.id)
    assert {i for i in found if i[2] == "message"} == {
        ("email", "ulla.b@example.com", "message", first),
        ("phone", "491512345678", "message", first)}

    [second] = await ingest(desk, item("m-2", "again: ulla.b@example.com", thread_key="t"))

    assert await identities(desk, ulla.id) == found  # known already: kept as it was
    async with desk.db.read() as session:
        assert await session.get(Message, second) is not None
