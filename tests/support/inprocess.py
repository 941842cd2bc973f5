"""The desk in the test's own process: create_app() served through httpx's ASGI transport.

No port, no subprocess: each test gets the app that `tandem serve` runs, its lifespan
started (asgi-lifespan), on a fresh copy of the seeded template database
(tests/support/desk_template.py), so a test starts acting at once. Commands are called over
REST (bearer tokens, as API clients do) or straight through the command registry, with
the same checks.
"""

from __future__ import annotations

import asyncio
import gc
import json
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import and_, func, or_, select
from sqlmodel import col

from channels.webhook import sign
from server.actions.accounts import actor_for_user
from server.app import create_app
from server.commands import Call
from server.db import Database
from server.desk import Desk
from server.models import AuditEntry, Event, OutboxItem, utcnow
from server.permissions import Actor
from tests.support.captured import Captured, read_events
from tests.support.desk_template import BASE_URL, Person, Template, settings_for

__all__ = ["BASE_URL", "InProcessDesk", "Person", "new_item", "running_desk"]

SETTLE_TIMEOUT = 10.0
T = TypeVar("T")


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

    async def row(self, model: type[T], key: Any) -> T:
        """A row as the database has it now."""
        async with self.db.read() as session:
            found = await session.get(model, key)
        assert found is not None, f"no {model.__name__} {key}"
        return found

    async def actor(self, person: Person) -> Actor:
        if person.id not in self._actors:
            async with self.db.read() as session:
                found = await actor_for_user(session, person.id)
            assert found is not None, f"{person.email} is not active"
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
                    # Due, or being sent (its lease runs into the future meanwhile).
                    busy = await session.scalar(select(func.count()).select_from(OutboxItem)
                                                .where(or_(
                                                    col(OutboxItem.status) == "sending",
                                                    and_(col(OutboxItem.status).in_(
                                                        ("queued", "retry")),
                                                        col(OutboxItem.next_attempt_at)
                                                        <= utcnow()))))
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
