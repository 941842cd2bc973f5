"""Where a test desk keeps its data: a SQLite file, or PostgreSQL + Redis.

`TANDEM_TEST_BACKEND=sqlite` (default) or `postgres`. With CI=true a missing PostgreSQL or
Redis fails the run; elsewhere the postgres pass is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_ADMIN_URL = os.environ.get("TANDEM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@dataclass
class Backend:
    name: str
    database_url: str
    redis_url: str | None = None
    cleanup: list = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = {"TANDEM_DATABASE_URL": self.database_url}
        if self.redis_url:
            env["TANDEM_REDIS_URL"] = self.redis_url
        return env


def backend_name() -> str:
    return os.environ.get("TANDEM_TEST_BACKEND", "sqlite")


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error}); start it (see README) or run the sqlite pass"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run_apart(work: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to the end in a thread of its own: the caller may already be inside
    an event loop (Playwright's sync API runs one), where asyncio.run is not allowed."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result()


async def pg_execute(statement: str, admin_url: str = PG_ADMIN_URL) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def redis_flush(url: str) -> None:
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def make_backend(name: str, folder: Path) -> Backend:
    """A fresh, empty database (and Redis database) for one test session or test."""
    if name == "sqlite":
        return Backend("sqlite", f"sqlite:///{folder / 'desk.db'}")
    if name != "postgres":
        raise ValueError(f"unknown TANDEM_TEST_BACKEND {name}")
    database = f"tandem_test_{secrets.token_hex(4)}"
    try:
        run_apart(pg_execute(f'CREATE DATABASE "{database}"'))
    except Exception as exc:
        _unavailable("PostgreSQL", exc)
    # Redis database numbers 1..15, chosen at random: parallel runs rarely collide and a
    # collision only mixes hints, never data.
    redis_url = f"{REDIS_URL}/{secrets.randbelow(15) + 1}"
    try:
        run_apart(redis_flush(redis_url))
    except Exception as exc:
        _unavailable("Redis", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    backend = Backend("postgres", f"{base}/{database}", redis_url)
    backend.cleanup.append(
        lambda: run_apart(pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    )
    return backend


@contextmanager
def own_backend(folder: Path) -> Iterator[Backend]:
    """A fresh backend of this pass's kind, for one test module, dropped afterwards."""
    made = make_backend(backend_name(), folder)
    try:
        yield made
    finally:
        for cleanup in made.cleanup:
            cleanup()
