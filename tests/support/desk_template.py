"""The database every in-process test desk starts from: migrated once per session and
seeded with a person of every built-in role (each with an API token) and a generic webhook
channel.

SQLite: each test gets a copy of the template file. PostgreSQL: CREATE DATABASE ... TEMPLATE
costs about a second per test on this machine (a checkpoint and a directory copy), more than
most tests take; instead the session's one database is put back to the template's rows
before each test (every table emptied and refilled, every sequence reset, in one
transaction of ~10 ms), which leaves a test nothing of the one before.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.actions.accounts import actor_for_user, do_create_user
from server.actions.channels import do_add_channel
from server.actions.tokens import do_create_own_token
from server.crypto import SecretBox
from server.db import Database
from server.settings import Settings
from tests.support.backends import PG_ADMIN_URL, pg_execute, run_apart
from tests.support.desk_api import Person  # the end-to-end tests' person; no password here

BASE_URL = "http://desk.test"
SECRET_KEY = "in-process-test-key-that-is-long-enough-0123456789"
# The people every test desk has: (key, role, name). Names are what @mentions match.
PEOPLE = (
    ("admin", "admin", "Ada Admin"),
    ("supervisor", "supervisor", "Sven Supervisor"),
    ("agent", "service agent", "Anna Agent"),
    ("colleague", "service agent", "Carl Colleague"),
    ("marketer", "marketing agent", "Mia Marketer"),
    ("viewer", "viewer", "Vera Viewer"),
)
SETTLE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Template:
    """The migrated, seeded database every test copies."""

    backend: str  # sqlite | postgres
    location: str  # the SQLite file, or the PostgreSQL database's name
    people: dict[str, Person]
    channel_id: int
    channel_secret: str
    # PostgreSQL: the seeded rows of every table and the sequences' positions.
    rows: dict[str, list[Any]] = field(default_factory=dict)
    sequences: dict[str, int | None] = field(default_factory=dict)


def settings_for(database_url: str, **extra: Any) -> Settings:
    return Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                    secret_key=SECRET_KEY, base_url=BASE_URL, **extra)


def _pg_url(database: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{database}"


async def _seed(db: Database) -> tuple[dict[str, Person], int, str]:
    people: dict[str, Person] = {}
    async with db.write() as tx:
        for key, role, name in PEOPLE:
            email = f"{key}@desk.test"
            user = await do_create_user(tx, email=email, name=name, role=role, password=None)
            assert user.id is not None
            actor = await actor_for_user(tx, user.id)
            assert actor is not None
            token = await do_create_own_token(tx, actor, "in-process tests")
            people[key] = Person(user.id, email, name, "", token, role)
        channel, secret = await do_add_channel(
            tx, SecretBox(SECRET_KEY), network="webhook", adapter="webhook", name="Web form")
    assert channel.id is not None
    return people, channel.id, secret


def build_template(backend: str, folder: Path) -> Template:
    """Migrate and seed the template once per session (synchronous: call it outside a loop)."""
    from server.cli import migrate  # the CLI's own migrate: the schema and the built-in roles

    if backend == "sqlite":
        location = str(folder / "template.db")
        url = f"sqlite:///{location}"
    else:
        location = f"tandem_tpl_{secrets.token_hex(4)}"
        run_apart(pg_execute(f'CREATE DATABASE "{location}"'))
        url = _pg_url(location)
    settings = settings_for(url)
    migrate(settings)
    found: dict[str, Any] = {}

    async def seed() -> None:
        db = Database(settings.database)
        try:
            found["seeded"] = await _seed(db)
        finally:
            await db.dispose()

    run_apart(seed())
    # The last connection closed checkpoints the WAL into the file: one file to copy.
    assert backend != "sqlite" or not Path(location + "-wal").exists()
    people, channel_id, secret = found["seeded"]
    made = Template(backend, location, people, channel_id, secret)
    if backend == "postgres":
        run_apart(_remember_rows(made))
    return made


async def _pg_connection(template: Template) -> Any:
    import asyncpg

    return await asyncpg.connect(_pg_url(template.location), timeout=10)


async def _remember_rows(template: Template) -> None:
    connection = await _pg_connection(template)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")
        for (table,) in tables:
            template.rows[table] = await connection.fetch(f'SELECT * FROM "{table}"')
        for name, value in await connection.fetch(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"):
            template.sequences[name] = value
    finally:
        await connection.close()


async def _reset(template: Template) -> None:
    """Put the PostgreSQL database back to the template's rows."""
    connection = await _pg_connection(template)
    try:
        async with connection.transaction():
            # Replica mode skips the foreign keys' triggers while the rows go and come back.
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute(";".join(f'DELETE FROM "{t}"' for t in template.rows))
            for table, rows in template.rows.items():
                if rows:
                    await connection.copy_records_to_table(table, records=rows,
                                                           columns=list(rows[0].keys()))
            for name, value in template.sequences.items():
                await connection.execute("SELECT setval($1, $2, $3)", name, value or 1,
                                         value is not None)
    finally:
        await connection.close()


def drop_template(template: Template) -> None:
    if template.backend == "postgres":
        run_apart(pg_execute(f'DROP DATABASE IF EXISTS "{template.location}" WITH (FORCE)'))


@asynccontextmanager
async def database_copy(template: Template, folder: Path) -> AsyncIterator[str]:
    """A database with the template's rows and nothing else; yields its URL."""
    if template.backend == "sqlite":
        path = folder / "desk.db"
        shutil.copyfile(template.location, path)
        yield f"sqlite:///{path}"
        return
    await _reset(template)
    yield _pg_url(template.location)
