"""The database: engines, sessions, and the write transaction every action runs in."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy import event as sa_event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from server import request_ids
from server.models import AuditEntry, Event, NewEvent, utcnow

AfterCommit = Callable[[Sequence[NewEvent]], Awaitable[None]]

# Any constant works; it only has to be the same in every process of one desk.
EVENT_LOCK_KEY = 0x7A4D3E
AUDIT_TABLE: Table = AuditEntry.__table__  # type: ignore[attr-defined]
EVENT_TABLE: Table = Event.__table__  # type: ignore[attr-defined]


def _sqlite_engine(url: URL, begin: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)

    @sa_event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa_event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


class Tx:
    """One write transaction: the session, plus the audit rows and events it will commit."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self.dialect = dialect
        self.events: list[NewEvent] = []
        self._audits: list[dict[str, Any]] = []

    def audit(
        self, action: str, actor_id: int | None, thread_id: int | None = None, **detail: Any
    ) -> None:
        """One audit row, with the request id of the request or socket command being served."""
        self.audit_of(request_ids.current(), action, actor_id, thread_id, detail)

    def audit_of(self, request_id: str | None, action: str, actor_id: int | None,
                 thread_id: int | None, detail: dict[str, Any]) -> None:
        """One audit row for the request named (ingest writes for many in one transaction)."""
        self._audits.append({"action": action, "actor_id": actor_id, "thread_id": thread_id,
                             "detail": detail, "at": utcnow(), "request_id": request_id})

    def emit(self, event: NewEvent) -> None:
        self.events.append(event)

    async def _finish(self) -> None:
        """Write the audit rows and events, with Core INSERTs (no ORM flush)."""
        await self.session.flush()
        if self.events and self.dialect == "postgresql":
            await self._finish_postgresql()
            return
        if self._audits:
            await self.session.execute(insert(AUDIT_TABLE), self._audits)
        if not self.events:
            return
        # SQLite has one writer at a time, and this transaction is it: the seqs are the ones
        # after the highest ever given (sqlite_sequence, so never one a client saw before),
        # and the rows go in as one multi-row INSERT. (INSERT .. RETURNING in the rows'
        # order is sent one row at a time on SQLite.)
        top = (await self.session.scalar(_SQLITE_LAST_SEQ)) or 0
        rows = []
        for seq, e in enumerate(self.events, start=top + 1):
            e.seq = seq
            rows.append({"seq": seq, "type": e.type, "thread_id": e.thread_id,
                         "user_id": e.user_id, "payload": e.payload, "created_at": e.created_at})
        await self.session.execute(insert(EVENT_TABLE), rows)

    async def _finish_postgresql(self) -> None:
        """Audit rows, the event lock and the events in one statement: one round trip, and
        the lock is held only from here to the commit."""
        audits, events = self._audits, self.events
        seqs = (await self.session.execute(_PG_FINISH, {
            "key": EVENT_LOCK_KEY,
            "action": [a["action"] for a in audits],
            "actor_id": [a["actor_id"] for a in audits],
            "audit_thread_id": [a["thread_id"] for a in audits],
            "detail": [compact_json(a["detail"]) for a in audits],
            "at": [a["at"] for a in audits],
            "request_id": [a["request_id"] for a in audits],
            "type": [e.type for e in events],
            "thread_id": [e.thread_id for e in events],
            "user_id": [e.user_id for e in events],
            "payload": [compact_json(e.payload) for e in events],
            "created_at": [e.created_at for e in events],
        })).scalars().all()
        # The rows are inserted in ORDER BY order, so their seqs ascend in the events' order.
        for event, seq in zip(events, sorted(seqs), strict=True):
            event.seq = seq


def compact_json(value: Any) -> str:
    """JSON without spaces: how the desk stores event payloads and sends them to boards."""
    return json.dumps(value, separators=(",", ":"))


_SQLITE_LAST_SEQ = text("SELECT seq FROM sqlite_sequence WHERE name = 'event'")

# The event lock serializes event writers until commit, so sequence numbers become visible
# in order: once a client sees seq N, every seq below N is committed or gone. The lock is
# taken in the FROM clause, so before the first row's seq is drawn; the audit rows go in a
# data-modifying WITH, which PostgreSQL runs exactly once.
_PG_FINISH = text("""
WITH audit AS (
    INSERT INTO audit_entry (action, actor_id, thread_id, detail, at, request_id)
    SELECT a.action, a.actor_id, a.thread_id, CAST(a.detail AS json), a.at, a.request_id
    FROM unnest(CAST(:action AS text[]), CAST(:actor_id AS integer[]),
                CAST(:audit_thread_id AS integer[]), CAST(:detail AS text[]),
                CAST(:at AS timestamptz[]), CAST(:request_id AS text[]))
         AS a(action, actor_id, thread_id, detail, at, request_id)
)
INSERT INTO event (type, thread_id, user_id, payload, created_at)
SELECT e.type, e.thread_id, e.user_id, CAST(e.payload AS json), e.created_at
FROM (SELECT pg_advisory_xact_lock(:key)) AS locked,
     unnest(CAST(:type AS text[]), CAST(:thread_id AS integer[]), CAST(:user_id AS integer[]),
            CAST(:payload AS text[]), CAST(:created_at AS timestamptz[]))
         WITH ORDINALITY AS e(type, thread_id, user_id, payload, created_at, n)
ORDER BY e.n
RETURNING seq
""")


class Database:
    def __init__(self, url: URL, *, echo: bool = False) -> None:
        self.url = url
        self.dialect = url.get_backend_name()
        self.after_commit: list[AfterCommit] = []
        if self.dialect == "sqlite":
            # One writer connection per process: SQLite allows one writer anyway, and
            # queueing here beats spinning on SQLITE_BUSY. BEGIN IMMEDIATE takes the write
            # lock up front, so a read-then-write transaction can never deadlock.
            self.write_engine = _sqlite_engine(
                url, "BEGIN IMMEDIATE", echo=echo, pool_size=1, max_overflow=0, pool_timeout=60
            )
            self.read_engine = _sqlite_engine(url, "BEGIN", echo=echo, pool_size=8)
        else:
            # No pre-ping: it costs a round-trip per checkout. A connection the server
            # dropped fails its statement once instead; pool_recycle retires old ones.
            self.write_engine = create_async_engine(
                url, echo=echo, pool_size=5, max_overflow=10, pool_recycle=1800
            )
            self.read_engine = self.write_engine
        self._writer = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """Run one transaction; on success commit, then publish its events."""
        async with self._writer() as session:
            tx = Tx(session, self.dialect)
            async with session.begin():
                yield tx
                await tx._finish()
        if tx.events:
            for hook in self.after_commit:
                await hook(tx.events)

    async def ping(self) -> None:
        async with self.read_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
