"""The migrations produce exactly the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers every table)
from server.settings import Settings
from tests.support.backends import Backend
from tests.support.servers import tandem


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


async def test_migrations_produce_exactly_the_models(fresh_backend: Backend) -> None:
    tandem(["migrate"], fresh_backend.env())

    engine = create_async_engine(Settings(database_url=fresh_backend.database_url).database)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
    finally:
        await engine.dispose()

    assert differences == []


async def test_migrating_twice_changes_nothing(fresh_backend: Backend) -> None:
    tandem(["migrate"], fresh_backend.env())
    again = tandem(["migrate"], fresh_backend.env())
    assert "up to date" in again.stdout
