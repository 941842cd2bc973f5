"""The desk in the test's own process: create_app() served through httpx's ASGI transport.

No port, no subprocess: each test gets the app that `tandem serve` runs, its lifespan
started (asgi-lifespan), on a database copied from one migrated template (SQLite: a file
copy; PostgreSQL: CREATE DATABASE ... TEMPLATE). The template holds a person of every
built-in role with an API token and a generic webhook channel, so a test starts acting at
once. Commands are called over REST (bearer tokens, as API clients do) or straight through
the command registry, with the same checks.
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select
from sqlmodel import col

from channels.webhook import sign
from server.actions.accounts import actor_for_user, do_create_api_token, do_create_user
from server.actions.channels import do_add_channel
from server.app import create_app
from server.commands import Call
from server.crypto import SecretBox
from server.db import Database
from server.desk import Desk
from server.models import AuditEntry, Event, OutboxItem, utcnow
from server.permissions import Actor
from server.settings import Settings
from tests.support.backends import PG_ADMIN_URL, pg_execute, run_apart
from tests.support.captured import Captured, read_events

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
class Person:
    id: int
    key: str
    role: str
    name: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Template:
    """The migrated, seeded database every test copies."""

    backend: str  # sqlite | postgres
    location: str  # the SQLite file, or the PostgreSQL database's name
    people: dict[str, Person]
    channel_id: int
    channel_secret: str


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
            token = await do_create_api_token(tx, email, "in-process tests")
            assert user.id is not None
            people[key] = Person(user.id, key, role, name, email, token)
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
    return Template(backend, location, people, channel_id, secret)


def drop_template(template: Template) -> None:
    if template.backend == "postgres":
        run_apart(pg_execute(f'DROP DATABASE IF EXISTS "{template.location}" WITH (FORCE)'))


@asynccontextmanager
async def database_copy(template: Template, folder: Path) -> AsyncIterator[str]:
    """A fresh database with the template's rows; yields its URL."""
    if template.backend == "sqlite":
        path = folder / "desk.db"
        shutil.copyfile(template.location, path)
        yield f"sqlite:///{path}"
        return
    name = f"tandem_t_{secrets.token_hex(4)}"
    await pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.location}"')
    try:
        yield _pg_url(name)
    finally:
        await pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class InProcessDesk:
    """One running desk app and ways to act on it as its people do."""

    app: Any
    desk: Desk
    http: httpx.AsyncClient
    people: dict[str, Person]
    channel_id: int
    channel_secret: str
    started_at_seq: int = 0
    writes: Writes = field(init=False)
    # Every generic webhook channel's signing secret (a test adds the channels it makes).
    channel_secrets: dict[int, str] = field(default_factory=dict)
    _actors: dict[int, Actor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.channel_secrets.setdefault(self.channel_id, self.channel_secret)
        self.writes = Writes(self.desk.db)

    def __getattr__(self, key: str) -> Person:
        # desk.agent, desk.supervisor, ...: the template's people by key.
        people = self.__dict__.get("people", {})
        if key in people:
            return people[key]
        raise AttributeError(key)

    @property
    def db(self) -> Database:
        return self.desk.db

    # -- acting -------------------------------------------------------------------------

    async def rest(self, person: Person | None, method: str, path: str, *,
                   json: Any = None, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        """An HTTP request as `person` (a bearer token), or anonymous with None."""
        sent = {**(person.headers if person else {}), **(headers or {})}
        response = await self.http.request(method, path, json=json, params=params, headers=sent)
        await self.settle()
        return response

    async def ok(self, person: Person, method: str, path: str, **kwargs: Any) -> Any:
        """A REST call that must succeed; its JSON answer."""
        response = await self.rest(person, method, path, **kwargs)
        assert response.is_success, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    async def refuses(self, person: Person | None, method: str, path: str, status: int,
                      code: str, **kwargs: Any) -> dict[str, Any]:
        """A REST call the desk must refuse with `status` and `code`, changing nothing:
        no event, no audit row. Returns the error object."""
        before = await self.footprint()
        response = await self.rest(person, method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        error = response.json()["error"]
        assert error["code"] == code, error
        assert await self.footprint() == before, f"{method} {path} changed the desk"
        return error

    async def footprint(self) -> tuple[int, int]:
        """What every change leaves: the newest event's seq and the number of audit rows."""
        async with self.db.read() as session:
            audits = await session.scalar(select(func.count()).select_from(AuditEntry))
        return await self.seq(), int(audits or 0)

    async def audits(self, action: str) -> list[AuditEntry]:
        async with self.db.read() as session:
            return list((await session.scalars(select(AuditEntry).where(
                col(AuditEntry.action) == action).order_by(col(AuditEntry.id)))).all())

    async def actor(self, person: Person) -> Actor:
        if person.id not in self._actors:
            async with self.db.read() as session:
                found = await actor_for_user(session, person.id)
            assert found is not None, f"{person.key} is not active"
            self._actors[person.id] = found
        return self._actors[person.id]

    async def call(self, person: Person, transport: str = "rest") -> Call:
        return Call(desk=self.desk, actor=await self.actor(person), language="en",
                    transport=transport)  # type: ignore[arg-type]

    async def invoke(self, person: Person, name: str, data: Mapping[str, Any] | None = None
                     ) -> dict[str, Any]:
        """A command through the registry itself (what every transport calls)."""
        assert self.desk.commands is not None
        try:
            return await self.desk.commands.invoke(await self.call(person), name, dict(data or {}))
        finally:
            await self.settle()

    async def webhook(self, items: list[dict[str, Any]], *, channel_id: int | None = None,
                      secret: str | None = None) -> httpx.Response:
        """POST items to a generic webhook channel, signed as its sender signs them."""
        channel_id = channel_id or self.channel_id
        body = json.dumps(items).encode()
        stamp = str(int(time.time()))
        secret = secret or self.channel_secrets.get(channel_id, self.channel_secret)
        response = await self.http.post(
            f"/webhooks/generic/{channel_id}", content=body, headers={
                "Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
                "X-Tandem-Signature": sign(secret, stamp, body)})
        await self.settle()
        return response

    async def post(self, text: str = "Hallo, mein Paket fehlt", *, channel_id: int | None = None,
                   **extra: Any) -> dict[str, Any]:
        """A customer's item through the webhook; returns its thread's card."""
        item = new_item(text, **extra)
        response = await self.webhook([item], channel_id=channel_id)
        assert response.status_code == 200, response.text
        return await self.card_with(item["text"])

    async def card_with(self, text: str) -> dict[str, Any]:
        found = await self.ok(self.admin, "GET", "/api/threads",
                              params={"q": text, "status": "all"})
        cards = [c for c in found["threads"] if text in c["excerpt"]]
        assert cards, f"no thread shows {text!r}"
        return cards[0]

    # -- watching -----------------------------------------------------------------------

    async def seq(self) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(select(func.max(col(Event.seq)))) or 0)

    @asynccontextmanager
    async def capture(self) -> AsyncIterator[Captured]:
        """Every event committed inside the block, validated against the event registry."""
        got = Captured(await self.seq())
        yield got
        await self.settle()
        got.events = await read_events(self.db, after=got.since)

    async def settle(self) -> None:
        """Wait until the outbox sender finished what the last command gave it, with the
        after-commit work of its writes (linking a private thread): then nothing moves by
        itself, and what a test reads next is what the command led to."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            if not self.writes.running:
                async with self.db.read() as session:
                    busy = await session.scalar(select(func.count()).select_from(OutboxItem)
                                                .where(col(OutboxItem.status).in_(
                                                    ("queued", "sending", "retry")),
                                                    col(OutboxItem.next_attempt_at) <= utcnow()))
                if not busy and not self.writes.running:
                    return
            if time.monotonic() > deadline:
                raise AssertionError("the outbox sender did not settle")
            await asyncio.sleep(0.01)


class Writes:
    """Counts the desk's write transactions under way, after-commit hooks included (they
    run inside `Database.write`): the sender's, whose results land after a command."""

    def __init__(self, db: Database) -> None:
        self.running = 0
        write = db.write

        @asynccontextmanager
        async def counted() -> AsyncIterator[Any]:
            self.running += 1
            try:
                async with write() as tx:
                    yield tx
            finally:
                self.running -= 1

        db.write = counted  # type: ignore[method-assign]


_serial = iter(range(1, 10**9))


def new_item(text: str = "Hallo, mein Paket fehlt", **extra: Any) -> dict[str, Any]:
    """A generic-webhook item with a fresh id and author unless given."""
    n = next(_serial)
    return {"id": f"item-{n}-{secrets.token_hex(3)}",
            "author": {"id": f"author-{n}", "name": f"Kundin {n}"},
            "text": f"{text} #{n}", "visibility": "public", **extra}


@asynccontextmanager
async def running_desk(template: Template, database_url: str, **settings: Any
                       ) -> AsyncIterator[InProcessDesk]:
    app = create_app(settings_for(database_url, **settings))
    try:
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
                # The app behind Socket.IO's wrapper keeps the desk on its state.
                desk: Desk = app.other_asgi_app.state.desk
                running = InProcessDesk(app, desk, http, template.people, template.channel_id,
                                        template.channel_secret)
                running.started_at_seq = await running.seq()
                yield running
    finally:
        _after_app()


# The lifespan freezes what start-up built (server/pauses.py): a full collection, then the
# survivors exempt from later ones. A test process builds an app per test, so each test's
# leftovers would stay frozen for good; unfreezing after every test would make every
# start-up walk the whole heap (a fifth of a second). Unfrozen now and then: both bounded.
UNFREEZE_EVERY = 20
_apps_run = 0


def _after_app() -> None:
    global _apps_run
    _apps_run += 1
    if _apps_run % UNFREEZE_EVERY == 0:
        gc.unfreeze()
