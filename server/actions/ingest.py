"""Ingest: store what a network sent, once, and tell every board.

Webhooks arrive many at a time, and a transaction of its own per webhook costs a commit,
a dozen statements and, on PostgreSQL, a turn at the event lock (server/db.py). So
`do_ingest` queues its items and one writer per process (IngestWriter, built by create_app()
and held on the Desk as `desk.ingest`) stores everything queued in one transaction with a
few set-based statements (group commit). Every caller is answered after
the transaction holding its items committed, so nothing acknowledged is lost. While one
batch is written the next gathers; on an idle desk a lone webhook is written at once.

A provider's retry is stored once: items are deduplicated by (channel, external id), also
against a concurrent process (INSERT .. ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from channels.base import InboundItem
from server import request_ids
from server.actions.arrivals import Arrival, ArrivingThread, IngestStep, Someone
from server.actions.channels import ChannelCache
from server.actions.customer_intake import NewContact, Written, read_messages, welcome
from server.actions.windows import aware
from server.db import Database, Tx
from server.errors import NotFound
from server.events import MessageAdded, MessageView, ThreadOpened, event_row
from server.metrics import INGEST_QUEUE, INGESTED
from server.models import Channel, Contact, Message, Thread, User, utcnow
from server.models.time import iso
from server.queries.cards import awaiting_approval, card_of, customer_last_at, reading_view
from server.reading import Reading, read_message
from server.settings import Settings
from server.statuses import REOPENED_BY_CUSTOMER

EXCERPT = 280
BATCH_ITEMS = 100  # items per transaction, at most (a larger webhook goes alone)
RETRY_AFTER_SECONDS = 1
# A deadlock with another process, or a connection the server dropped, succeeds next time.
ATTEMPTS = 3

CONTACT: Table = Contact.__table__  # type: ignore[attr-defined]
THREAD: Table = Thread.__table__  # type: ignore[attr-defined]
MESSAGE: Table = Message.__table__  # type: ignore[attr-defined]
USER: Table = User.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class IngestResult:
    stored: list[int]  # message ids of the items that were new
    duplicates: int


class IngestBusy(Exception):
    """More items wait to be stored than TANDEM_INGEST_QUEUE_LIMIT (about a second of work)."""

    retry_after = RETRY_AFTER_SECONDS


async def do_ingest(
    writer: IngestWriter,
    channel_id: int,
    items: Sequence[InboundItem],
    *,
    channel: Channel | None = None,
) -> IngestResult:
    """Store items of a channel; returns once they are committed (or were there already).

    `channel` is the row when the caller has it at hand. Raises NotFound for an unknown
    channel and IngestBusy when too much waits to be stored.
    """
    if channel is None:
        channel = await writer.channels.channel(channel_id)
        if channel is None:
            raise NotFound("There is no channel %(id)s.", id=channel_id)
    if not items:
        return IngestResult(stored=[], duplicates=0)
    writer.check_room()  # before the reading: a desk too busy to store spends nothing on it
    # Read here, not in the batch's transaction: the reading is the CPU-heaviest part of an
    # item, and the transaction holds row locks another process may be waiting for. Nothing
    # awaits between the check and the submit, so the room checked is still there.
    readings = [read_message(item.text) for item in items]
    return await writer.submit(_Request(channel, writer.settings, items, readings))


# -- the queue and its writer -------------------------------------------------------------


@dataclass
class _Request:
    channel: Channel
    settings: Settings
    items: Sequence[InboundItem]
    readings: list[Reading]  # one per item
    answer: asyncio.Future[IngestResult] = field(init=False)
    # The webhook request it came in, for its audit rows (the writer serves many requests).
    request_id: str | None = field(default_factory=request_ids.current)


class IngestWriter:
    """Stores what is queued, a batch per transaction: one per desk (create_app builds it)."""

    def __init__(self, db: Database, settings: Settings, channels: ChannelCache,
                 steps: Sequence[IngestStep] = ()) -> None:
        self.db = db
        self.settings = settings
        self.channels = channels
        self.steps = list(steps)  # run in each batch's transaction, in this order
        self.waiting: deque[_Request] = deque()
        self.waiting_items = 0
        self.task: asyncio.Task[None] | None = None

    def check_room(self) -> None:
        """Raise IngestBusy when more items wait than TANDEM_INGEST_QUEUE_LIMIT."""
        if self.waiting_items >= self.settings.ingest_queue_limit:
            raise IngestBusy()

    async def submit(self, request: _Request) -> IngestResult:
        request.answer = asyncio.get_running_loop().create_future()
        self.waiting.append(request)
        self.waiting_items += len(request.items)
        INGEST_QUEUE.inc(len(request.items))
        if self.task is None:
            # A context of its own: the writer outlives the request that started it.
            self.task = asyncio.create_task(self._run(), context=contextvars.Context())
        # A caller that goes away cancels its answer; the writer then skips it if it can.
        return await request.answer

    async def _run(self) -> None:
        batch: list[_Request] = []
        try:
            while self.waiting:
                batch = self._take()
                await self._write(batch)
        finally:
            self.task = None
            for request in (*batch, *self.waiting):
                request.answer.cancel()  # only if the writer itself was cancelled

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        items = 0
        while self.waiting and (not batch or items + len(self.waiting[0].items) <= BATCH_ITEMS):
            request = self.waiting.popleft()
            self.waiting_items -= len(request.items)
            INGEST_QUEUE.dec(len(request.items))
            if not request.answer.done():
                batch.append(request)
                items += len(request.items)
        return batch

    async def _write(self, batch: list[_Request]) -> None:
        if not batch:
            return
        try:
            results = await _store_retrying(self.db, batch, self.steps)
        except Exception as error:
            if len(batch) > 1:
                # Perhaps one request's items are what fails: alone, only that one fails.
                for request in batch:
                    await self._write([request])
            elif not batch[0].answer.done():
                batch[0].answer.set_exception(error)
            return
        INGESTED.inc(sum(len(request.items) for request in batch))
        for request, result in zip(batch, results, strict=True):
            if not request.answer.done():
                request.answer.set_result(result)


async def _store_retrying(db: Database, batch: list[_Request], steps: list[IngestStep]
                          ) -> list[IngestResult]:
    for attempt in range(ATTEMPTS):
        try:
            async with db.write() as tx:
                return await _store(tx, batch, steps)
        except DBAPIError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


# -- one batch, one transaction --------------------------------------------------------------


@dataclass
class _Entry:
    """One item of the batch on its way in."""

    request: int  # its request's place in the batch
    channel: Channel
    settings: Settings
    item: InboundItem
    reading: Reading
    request_id: str | None

    @property
    def message_key(self) -> tuple[int, str]:
        return self.channel.id, self.item.external_id  # type: ignore[return-value]

    @property
    def contact_key(self) -> tuple[int, str]:
        return self.channel.id, self.item.author_id  # type: ignore[return-value]

    # The thread of the message this item answers, when its own key names no thread.
    joined: str | None = None

    @property
    def thread_key(self) -> tuple[int, str]:
        return self.channel.id, self.joined or self.item.key()  # type: ignore[return-value]


@dataclass(frozen=True)
class _Contact:
    id: int
    channel_id: int
    external_id: str
    name: str
    handle: str | None
    customer_id: int | None


async def _store(tx: Tx, batch: list[_Request], steps: list[IngestStep]
                 ) -> list[IngestResult]:
    now = utcnow()
    entries: list[_Entry] = []
    seen: set[tuple[int, str]] = set()
    for index, request in enumerate(batch):
        for item, reading in zip(request.items, request.readings, strict=True):
            entry = _Entry(index, request.channel, request.settings, item, reading,
                           request.request_id)
            if entry.message_key not in seen:
                seen.add(entry.message_key)
                entries.append(entry)
    # Duplicates are found by the message INSERT itself (ON CONFLICT DO NOTHING): a
    # provider's retry finds the contact and thread its first delivery made and adds no
    # message, event or count. Retries are rare; a lookup before would cost every batch.
    contacts = await _upsert_contacts(tx, entries, now)
    threads = await _threads(tx, entries, contacts, now)
    stored = await _insert_messages(tx, entries, contacts, threads, now)
    fresh = [e for e in entries if e.message_key in stored]
    await read_messages(tx, [Written(contacts[e.contact_key].id, stored[e.message_key],
                                     e.item.text) for e in fresh], now)
    if steps and fresh:
        arrivals = [_arrival(e, contacts, threads, stored) for e in fresh]
        for step in steps:
            await step.arrived(tx, arrivals, now)
    _announce(tx, fresh, contacts, threads, stored, now)
    await _update_threads(tx, threads.values())
    # An item several requests of the batch carry counts as stored for the first of them.
    ids: list[list[int]] = [[] for _ in batch]
    for entry in fresh:
        ids[entry.request].append(stored[entry.message_key])
    return [IngestResult(stored=mine, duplicates=len(request.items) - len(mine))
            for mine, request in zip(ids, batch, strict=True)]


def _insert(tx: Tx, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT (PostgreSQL and SQLite spell it the same).

    Executed with a list of rows, not .values(rows): SQLAlchemy then sends one multi-row
    INSERT all the same ("insertmanyvalues"), but compiles the statement once, not per batch.
    """
    return (postgresql.insert(table) if tx.dialect == "postgresql" else sqlite.insert(table))


def _matching(table: Table, column: str, keys: Iterable[tuple[int, str]]) -> ColumnElement[bool]:
    """`(channel_id, column) IN keys`, written per channel so both databases index it."""
    by_channel: dict[int, list[str]] = {}
    for channel_id, value in keys:
        by_channel.setdefault(channel_id, []).append(value)
    return or_(*(and_(table.c.channel_id == channel_id, table.c[column].in_(values))
                 for channel_id, values in by_channel.items()))


async def _upsert_contacts(tx: Tx, entries: list[_Entry], now: datetime
                           ) -> dict[tuple[int, str], _Contact]:
    """Every author's contact, created or renamed as their newest item says; a new one
    with a customer of its own."""
    newest = {e.contact_key: e.item for e in entries}
    # Sorted, so two processes lock the same contacts in the same order (no deadlock).
    rows = [{"channel_id": channel_id, "external_id": author_id, "name": item.author_name,
             "handle": item.author_handle, "created_at": now}
            for (channel_id, author_id), item in sorted(newest.items())]
    statement = _insert(tx, CONTACT)
    statement = statement.on_conflict_do_update(
        index_elements=[CONTACT.c.channel_id, CONTACT.c.external_id],
        set_={"name": statement.excluded.name, "handle": statement.excluded.handle},
    ).returning(CONTACT.c.id, CONTACT.c.channel_id, CONTACT.c.external_id, CONTACT.c.name,
                CONTACT.c.handle, CONTACT.c.customer_id)
    found = {(row.channel_id, row.external_id): _Contact(**row._mapping)
             for row in await tx.session.execute(statement, rows)}
    networks = {e.channel.id: e.channel.network for e in entries}
    newcomers = [NewContact(c.id, networks[c.channel_id], c.external_id, c.name, c.handle)
                 for c in found.values() if c.customer_id is None]
    customers = await welcome(tx, newcomers, now)
    return {key: replace(c, customer_id=customers.get(c.id, c.customer_id))
            for key, c in found.items()}


async def _threads(tx: Tx, entries: list[_Entry], contacts: dict[tuple[int, str], _Contact],
                   now: datetime) -> dict[tuple[int, str], ArrivingThread]:
    """The batch's threads, locked: the existing ones, then the new ones created."""
    first = _first_per_thread(entries)
    threads = await _locked_threads(tx, first)
    if await _join_answered(tx, [e for e in entries if e.thread_key not in threads]):
        first = _first_per_thread(entries)  # some entries moved to the thread they answer
        threads.update(await _locked_threads(
            tx, {key: entry for key, entry in first.items() if key not in threads}))
    previous = await _retire_closed(tx, threads, first, now)
    missing = [key for key in first if key not in threads]
    if missing:
        rows = []
        for key in missing:
            item = first[key].item
            contact = contacts[first[key].contact_key]
            rows.append({
                "channel_id": key[0], "external_key": key[1], "visibility": item.visibility,
                "status": "new", "priority": "normal", "tags": [], "contact_id": contact.id,
                "customer_id": contact.customer_id, "subject": item.text[:EXCERPT],
                "excerpt": "", "claim_token": 0, "created_at": now, "updated_at": now,
                "last_message_at": now, "message_count": 0,
                "previous_thread_id": previous.get(key),
            })
        created = await tx.session.execute(
            _insert(tx, THREAD)
            .on_conflict_do_nothing(index_elements=[THREAD.c.channel_id, THREAD.c.external_key])
            .returning(*THREAD.c),
            rows,
        )
        for row in created:
            contact = contacts[first[(row.channel_id, row.external_key)].contact_key]
            threads[(row.channel_id, row.external_key)] = ArrivingThread(
                row=dict(row._mapping),
                author=Someone(contact.id, contact.name, contact.handle),
                holder=None, assignee=None, customer_last_at=None, opened=True,
            )
        # A concurrent process created the rest a moment ago; they are theirs, not new.
        late = {key: first[key] for key in missing if key not in threads}
        if late:
            threads.update(await _locked_threads(tx, late))
    return threads


async def _retire_closed(tx: Tx, threads: dict[tuple[int, str], ArrivingThread],
                         first: dict[tuple[int, str], _Entry], now: datetime
                         ) -> dict[tuple[int, str], int]:
    """Closed threads (and those resolved longer than the reopen window) do not reopen: they
    give up their key, so the customer's new message starts a thread of its own, linked to
    them. Returns the retired thread's id by the key it gave up. (Rows locked above.)"""
    retired: dict[tuple[int, str], int] = {}
    for key, state in list(threads.items()):
        row = state.row
        if row["status"] == "closed" or (
            row["status"] == "resolved" and row["resolved_at"] is not None
            and aware(now) - aware(row["resolved_at"])
            > timedelta(days=first[key].settings.reopen_days)
        ):
            retired[key] = row["id"]
            del threads[key]
    if retired:
        await tx.session.execute(
            update(THREAD).where(THREAD.c.id == bindparam("thread"))
            .values(status="closed", external_key=bindparam("retired_key")),
            [{"thread": id_, "retired_key": f"{key[1]}~{id_}"[:255]}
             for key, id_ in retired.items()])
    return retired


def _first_per_thread(entries: list[_Entry]) -> dict[tuple[int, str], _Entry]:
    first: dict[tuple[int, str], _Entry] = {}
    for entry in entries:
        first.setdefault(entry.thread_key, entry)
    return first


async def _join_answered(tx: Tx, homeless: list[_Entry]) -> bool:
    """Items whose thread does not exist yet but which answer a message the desk has join
    that message's thread. Reply chains name only the message answered (Telegram, X,
    Mastodon), so a customer answering the desk's reply would otherwise open a new thread.
    Returns whether any item moved."""
    asking = [e for e in homeless if e.item.reply_to]
    if not asking:
        return False
    answered = {(e.channel.id, e.item.reply_to) for e in asking}
    rows = await tx.session.execute(
        select(MESSAGE.c.channel_id, MESSAGE.c.external_id, THREAD.c.external_key)
        .join(THREAD, THREAD.c.id == MESSAGE.c.thread_id)
        .where(_matching(MESSAGE, "external_id", answered))  # type: ignore[arg-type]
    )
    home = {(row.channel_id, row.external_id): row.external_key for row in rows}
    moved = False
    for entry in asking:
        key = home.get((entry.channel.id, entry.item.reply_to))
        if key is not None:
            entry.joined = key
            moved = True
    return moved


def _thread_query() -> Select[Any]:
    """A thread with what its card shows besides: author, holder, assignee, customer's last."""
    holder = USER.alias("holder")
    assignee = USER.alias("assignee")
    return (
        select(THREAD, CONTACT.c.name.label("author_name"),
               CONTACT.c.handle.label("author_handle"), holder.c.name.label("holder_name"),
               assignee.c.name.label("assignee_name"),
               customer_last_at().label("customer_last_at"),
               awaiting_approval().label("awaiting_approval"))
        .join(CONTACT, CONTACT.c.id == THREAD.c.contact_id)
        .outerjoin(holder, holder.c.id == THREAD.c.claim_holder_id)
        .outerjoin(assignee, assignee.c.id == THREAD.c.assignee_id)
    )


# Built once: aliases made per call would be new objects, and new work for the SQL cache.
THREAD_QUERY = _thread_query()


async def _locked_threads(tx: Tx, keys: dict[tuple[int, str], _Entry]
                          ) -> dict[tuple[int, str], ArrivingThread]:
    query = (
        THREAD_QUERY.where(_matching(THREAD, "external_key", keys))
        # In id order, so two processes lock shared threads in the same order.
        .order_by(THREAD.c.id)
        .with_for_update(of=THREAD)
    )
    found = {}
    for row in await tx.session.execute(query):
        values = row._mapping
        found[(row.channel_id, row.external_key)] = ArrivingThread(
            row={c.name: values[c] for c in THREAD.c},
            author=Someone(row.contact_id, row.author_name, row.author_handle),
            holder=_user(row.claim_holder_id, row.holder_name),
            assignee=_user(row.assignee_id, row.assignee_name),
            customer_last_at=row.customer_last_at, opened=False,
            awaiting_approval=bool(row.awaiting_approval),
        )
    return found


def _arrival(entry: _Entry, contacts: dict[tuple[int, str], _Contact],
             threads: dict[tuple[int, str], ArrivingThread], stored: dict[tuple[int, str], int]
             ) -> Arrival:
    contact = contacts[entry.contact_key]
    return Arrival(message_id=stored[entry.message_key], channel=entry.channel,
                   item=entry.item, reading=entry.reading, contact_id=contact.id,
                   customer_id=contact.customer_id, thread=threads[entry.thread_key])


def _user(user_id: int | None, name: str) -> Someone | None:
    return None if user_id is None else Someone(user_id, name)


async def _insert_messages(tx: Tx, entries: list[_Entry],
                           contacts: dict[tuple[int, str], _Contact],
                           threads: dict[tuple[int, str], ArrivingThread], now: datetime
                           ) -> dict[tuple[int, str], int]:
    rows = [{
        "thread_id": threads[e.thread_key].row["id"], "channel_id": e.channel.id,
        "external_id": e.item.external_id, "direction": "in",
        "contact_id": contacts[e.contact_key].id, "author_user_id": None, "text": e.item.text,
        "visibility": e.item.visibility, "reply_to_external_id": e.item.reply_to,
        "created_at": e.item.created_at or now, "received_at": now,
        "delivery_status": "received", "delivery_error": None,
        **e.reading.columns(),
    } for e in entries]
    inserted = await tx.session.execute(
        _insert(tx, MESSAGE)
        .on_conflict_do_nothing(index_elements=[MESSAGE.c.channel_id, MESSAGE.c.external_id])
        .returning(MESSAGE.c.id, MESSAGE.c.channel_id, MESSAGE.c.external_id),
        rows,
    )
    return {(channel_id, external_id): id_ for id_, channel_id, external_id in inserted}


def _announce(tx: Tx, entries: list[_Entry], contacts: dict[tuple[int, str], _Contact],
              threads: dict[tuple[int, str], ArrivingThread], stored: dict[tuple[int, str], int],
              now: datetime) -> None:
    """Advance each thread item by item, and emit the events the boards follow."""
    for entry in entries:
        state = threads[entry.thread_key]
        row, item = state.row, entry.item
        created_at = item.created_at or now
        if row["status"] in REOPENED_BY_CUSTOMER:
            row["status"] = "open"
            row["resolved_at"] = None
        row["message_count"] += 1
        row["last_message_at"] = created_at
        row["excerpt"] = " ".join(item.text.split())[:EXCERPT]
        row["updated_at"] = now
        if row["waiting_since"] is None:
            minutes = (entry.settings.sla_public_minutes if row["visibility"] == "public"
                       else entry.settings.sla_private_minutes)
            row["waiting_since"] = now
            row["sla_due_at"] = now + timedelta(minutes=minutes)
        contact = contacts[entry.contact_key]
        if contact.id == row["contact_id"] and (
            state.customer_last_at is None or aware(created_at) > aware(state.customer_last_at)
        ):
            state.customer_last_at = created_at
        state.touched = True
        message_id = stored[entry.message_key]
        thread_id = row["id"]
        tx.audit_of(entry.request_id, "message.received", None, thread_id,
                    {"message_id": message_id, "channel_id": entry.channel.id})
        card = card_of(row, entry.channel, state.author, state.holder, state.assignee,
                       state.customer_last_at, state.awaiting_approval, entry.reading)
        if state.opened:
            tx.emit(event_row(ThreadOpened(card=card), thread_id=thread_id))
            state.opened = False
        view = MessageView(
            id=message_id, thread_id=row["id"], direction="in", visibility=item.visibility,
            author_name=item.author_name, text=item.text, created_at=iso(created_at),
            delivery_status="received", reading=reading_view(entry.reading),
        )
        tx.emit(event_row(MessageAdded(message=view, card=card), thread_id=thread_id))


_ADVANCED = ("status", "message_count", "last_message_at", "excerpt", "updated_at",
             "waiting_since", "sla_due_at", "resolved_at")


async def _update_threads(tx: Tx, states: Iterable[ArrivingThread]) -> None:
    """One executemany UPDATE for every thread the batch added to (rows locked above)."""
    touched = [s for s in states if s.touched]
    # Every row of an executemany sets the same columns: what any step changed, for all (in
    # a fixed order, so a batch with the same changes reuses the compiled statement).
    changed = set().union(*(s.changed for s in touched)) - set(_ADVANCED)
    columns = [*_ADVANCED, *sorted(changed)]
    params = [{"thread": s.row["id"], **{name: s.row[name] for name in columns}}
              for s in touched]
    if params:
        await tx.session.execute(update(THREAD).where(THREAD.c.id == bindparam("thread")),
                                 params)
