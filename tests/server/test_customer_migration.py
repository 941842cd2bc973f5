"""Upgrading a desk that has contacts and messages: every contact gets a customer of its
own (its threads with it), the identities its profile and messages reveal are recorded,
and the built-in roles get the customer permissions. Downgrading and upgrading again works."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import async_database_url
from tests.support.backends import Backend
from tests.support.servers import ROOT

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


def alembic(url: str, direction: str, revision: str) -> None:
    """Alembic as `tandem migrate` runs it, in a process of its own."""
    done = subprocess.run([sys.executable, "-c",
                    "import sys; from alembic import command; "
                    "from server.migrate import alembic_config; "
                    f"command.{direction}(alembic_config(sys.argv[1]), sys.argv[2])",
                    url, revision], cwd=ROOT, check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


async def _run(url: str, statements: list[tuple[str, dict[str, Any]]]) -> list[list[Any]]:
    engine = create_async_engine(async_database_url(url))
    try:
        async with engine.begin() as connection:
            return [list((await connection.execute(text(sql), params)).all())
                    if sql.lstrip().upper().startswith("SELECT")
                    else (await connection.execute(text(sql), params)) and []
                    for sql, params in statements]
    finally:
        await engine.dispose()


def _seed() -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = [
        ("INSERT INTO role (name, permissions, builtin) VALUES "
         "('service agent', '[\"thread.view\"]', true), ('viewer', '[\"thread.view\"]', true), "
         "('custom', '[\"thread.view\"]', false)", {}),
    ]
    for n, (network, author, name) in enumerate([("whatsapp", "4915123456789", "Lena Roth"),
                                                 ("email", "lena@example.org", "Lena R."),
                                                 ("facebook", "1001", "L. Roth")], start=1):
        rows += [
            ("INSERT INTO channel (id, network, adapter, name, config, active, created_at) "
             "VALUES (:n, :network, :network, :network, '{}', true, :now)",
             {"n": n, "network": network, "now": NOW}),
            ("INSERT INTO contact (id, channel_id, external_id, name, handle, created_at) "
             "VALUES (:n, :n, :author, :name, NULL, :now)",
             {"n": n, "author": author, "name": name, "now": NOW}),
            ("INSERT INTO thread (id, channel_id, external_key, visibility, status, priority, "
             "tags, contact_id, subject, excerpt, claim_token, created_at, updated_at, "
             "last_message_at, message_count) VALUES (:n, :n, :key, 'public', 'open', "
             "'normal', '[]', :n, '', '', 0, :now, :now, :now, 1)",
             {"n": n, "key": f"key-{n}", "now": NOW}),
            ("INSERT INTO message (thread_id, channel_id, external_id, direction, contact_id, "
             "text, visibility, created_at, received_at, delivery_status) VALUES (:n, :n, :m, "
             "'in', :n, :text, 'public', :now, :now, 'received')",
             {"n": n, "m": f"m-{n}", "now": NOW,
              "text": "Call me: +49 151 2345 6789" if network == "facebook" else "Hallo"}),
        ]
    return rows


def test_upgrading_a_desk_with_contacts_gives_each_a_customer(fresh_backend: Backend) -> None:
    url = fresh_backend.database_url
    alembic(url, "upgrade", "0001")
    asyncio.run(_run(url, _seed()))

    alembic(url, "upgrade", "head")

    contacts, threads, identities, roles = asyncio.run(_run(url, [
        ("SELECT id, customer_id FROM contact ORDER BY id", {}),
        ("SELECT contact_id, customer_id FROM thread ORDER BY id", {}),
        ("SELECT contact_id, kind, value, source FROM contact_identity "
         "WHERE kind IN ('email', 'phone') ORDER BY contact_id", {}),
        ("SELECT name, permissions FROM role ORDER BY name", {}),
    ]))
    customers = {contact: customer for contact, customer in contacts}
    assert None not in customers.values() and len(set(customers.values())) == 3
    assert [(contact, customers[contact]) for contact, _ in threads] == [
        tuple(t) for t in threads]
    assert [tuple(i) for i in identities] == [
        (1, "phone", "4915123456789", "profile"), (2, "email", "lena@example.org", "profile"),
        (3, "phone", "4915123456789", "message")]
    # JSON as the driver reads it: a list (aiosqlite) or its text (asyncpg).
    permissions = {name: str(p) for name, p in roles}
    assert "customer.merge" in permissions["service agent"]
    assert "customer.view" in permissions["viewer"]
    assert "customer.view" not in permissions["custom"]

    alembic(url, "downgrade", "0001")
    alembic(url, "upgrade", "head")
