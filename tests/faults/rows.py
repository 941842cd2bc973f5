"""What the desk has stored, counted straight from its database (to prove nothing changed)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import async_database_url
from tests.support.backends import run_apart

TABLES = ("thread", "message", "event", "contact", "audit_entry")


async def _query(database_url: str, statement: str, params: dict[str, Any]) -> list[Any]:
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text(statement), params)).all())
    finally:
        await engine.dispose()


def query(database_url: str, statement: str, **params: Any) -> list[Any]:
    found: list[Any] = []

    async def run() -> None:
        found.extend(await asyncio.wait_for(_query(database_url, statement, params), 30))

    run_apart(run())
    return found


def counts(database_url: str) -> dict[str, int]:
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return {name: int(n) for name, n in query(database_url, union)}
