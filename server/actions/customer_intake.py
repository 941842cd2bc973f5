"""What ingest learns about customers, in ingest's own transaction: every new contact gets
a customer of its own (merged later, by people, on the desk's suggestions), and the
identities its profile and its messages reveal are recorded for those suggestions.

Set-based like the rest of ingest: one INSERT for the batch's new customers, one UPDATE of
their contacts, one INSERT of identities; nothing for a batch of known authors writing
messages without an address or number in them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db import Tx
from server.identities import Identity, in_profile, in_text
from server.models import ContactIdentity, Customer

CUSTOMER: Table = Customer.__table__  # type: ignore[attr-defined]
IDENTITY: Table = ContactIdentity.__table__  # type: ignore[attr-defined]
CONTACT: Table = Customer.metadata.tables["contact"]


@dataclass(frozen=True)
class NewContact:
    id: int
    network: str
    external_id: str
    name: str
    handle: str | None


@dataclass(frozen=True)
class Written:
    contact_id: int
    message_id: int
    text: str


def identity_rows(contact_id: int, found: Iterable[Identity], source: str,
                  message_id: int | None, now: datetime) -> list[dict[str, Any]]:
    return [{"contact_id": contact_id, "kind": kind, "value": value, "source": source,
             "message_id": message_id, "created_at": now} for kind, value in sorted(set(found))]


async def record_identities(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """Insert identities; one already known for that contact is kept as it is."""
    if not rows:
        return
    dialect = postgresql if tx.dialect == "postgresql" else sqlite
    statement = dialect.insert(IDENTITY).on_conflict_do_nothing(
        index_elements=[IDENTITY.c.contact_id, IDENTITY.c.kind, IDENTITY.c.value])
    await tx.session.execute(statement, rows)


# Built once, as ingest's statements are (the SQL cache key is computed per object).
INSERT_CUSTOMER = insert(CUSTOMER)
_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence('customer', 'id')) "
                 "FROM generate_series(1, :n)")
_MAX_ID = text("SELECT coalesce(max(id), 0) FROM customer")


async def _new_customer_ids(tx: Tx, count: int) -> list[int]:
    """Ids for new customers, known before the INSERT, so that each contact gets its own:
    an INSERT .. RETURNING of many rows does not promise their order (SQLAlchemy then sends
    one INSERT per row). PostgreSQL hands them out from the sequence; SQLite has one
    writer at a time, and this transaction is it."""
    if tx.dialect == "postgresql":
        return list((await tx.session.scalars(_NEXT_IDS, {"n": count})).all())
    top = (await tx.session.scalar(_MAX_ID)) or 0
    return list(range(top + 1, top + 1 + count))


async def welcome(tx: Tx, contacts: list[NewContact], now: datetime) -> dict[int, int]:
    """A customer for each contact that has none; returns contact id -> customer id."""
    if not contacts:
        return {}
    ids = await _new_customer_ids(tx, len(contacts))
    customers = {c.id: customer_id for c, customer_id in zip(contacts, ids, strict=True)}
    await tx.session.execute(INSERT_CUSTOMER, [
        {"id": customers[c.id], "display_name": c.name, "language": None, "vip": False,
         "tags": [], "attributes": {}, "created_at": now, "updated_at": now} for c in contacts])
    # Only where still none: a concurrent process may have given it one first.
    await tx.session.execute(
        update(CONTACT).where(CONTACT.c.id == bindparam("contact"),
                              CONTACT.c.customer_id.is_(None))
        .values(customer_id=bindparam("customer")),
        [{"contact": contact, "customer": customer} for contact, customer in customers.items()],
    )
    rows = []
    for c in contacts:
        rows += identity_rows(c.id, in_profile(c.network, c.external_id, c.handle, c.name),
                              "profile", None, now)
    await record_identities(tx, rows)
    return customers


async def read_messages(tx: Tx, written: list[Written], now: datetime) -> None:
    """The addresses and numbers customers wrote in their messages."""
    rows = []
    for w in written:
        rows += identity_rows(w.contact_id, in_text(w.text), "message", w.message_id, now)
    await record_identities(tx, rows)
