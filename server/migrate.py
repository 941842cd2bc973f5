"""Applying migrations from code (the CLI, the tests, `tandem demo`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from server.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _ensure_sqlite_folder(settings: Settings) -> None:
    if settings.is_sqlite and settings.database.database not in (None, "", ":memory:"):
        Path(settings.database.database).parent.mkdir(parents=True, exist_ok=True)


def upgrade(settings: Settings) -> None:
    """Bring the database to the newest schema (synchronous: call it before serving)."""
    _ensure_sqlite_folder(settings)
    command.upgrade(alembic_config(settings.database_url), "head")


async def upgrade_async(settings: Settings) -> None:
    await asyncio.to_thread(upgrade, settings)
