"""The listening service: reads public posts for the brand's listening rules.

Every process runs one. Each tick it builds, per network, the query the active rules ask
(their words, phrases and hashtags), takes the listening lease of the active channels whose
adapter is a PublicListener (server/actions/listening_leases.py) and runs the adapter's
`listen` for them; a reader whose query changed (a rule was saved) is started again with
the new one. Batches are matched and stored with the cursor in one transaction, so after a
crash the next reader resumes after the last stored batch and nothing is matched twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from channels.base import (
    ListeningQuery,
    PermanentError,
    PublicListener,
    PublicPost,
    TemporaryError,
)
from server.actions import listening_leases as leases
from server.actions.listening import LeaseLost, RuleCache, do_store_matches
from server.actions.watches import account_of
from server.desk import Desk
from server.models import Channel, ListeningRule, ListeningWatch, utcnow
from server.services.rounds import Rounds

log = logging.getLogger("tandem.listening")

TICK_SECONDS = 2.0
LEASE_SECONDS = 30.0
FIRST_BACKOFF, MAX_BACKOFF = 2.0, 300.0
STOPPED_FOR = timedelta(minutes=10)


def query_for(network: str, rules: list[ListeningRule]) -> ListeningQuery:
    """What a network's search must find for the active rules that may match there: the
    positive terms (a post with only `all` terms still has each of them)."""
    terms: set[str] = set()
    tags: set[str] = set()
    languages: set[str] = set()
    every_language = False
    for rule in rules:
        if not rule.active or (rule.networks and network not in rule.networks):
            continue
        for term in rule.any_terms or rule.all_terms[:1]:
            if term.startswith("#"):
                tags.add(term[1:].casefold())
            else:
                terms.add(term.casefold())
        if rule.languages:
            languages.update(rule.languages)
        else:
            every_language = True
    return ListeningQuery(tuple(sorted(terms)), tuple(sorted(tags)),
                          () if every_language else tuple(sorted(languages)))


class DeskListeningIntake:
    def __init__(self, desk: Desk, cache: RuleCache, channel_id: int, network: str,
                 holder: str) -> None:
        self.desk, self.cache = desk, cache
        self.channel_id, self.network, self.holder = channel_id, network, holder
        self.delivered = 0

    async def deliver(self, posts: list[PublicPost], cursor: Mapping[str, Any]) -> None:
        self.delivered += await do_store_matches(self.desk.db, self.cache, self.channel_id,
                                                 self.network, self.holder, posts, cursor)

    async def report(self, status: Mapping[str, Any]) -> None:
        if not await leases.report(self.desk.db, self.channel_id, self.holder, status):
            raise LeaseLost()


@dataclass
class Reader:
    task: asyncio.Task[None]
    query: ListeningQuery


class ListeningService:
    def __init__(self, desk: Desk, listeners: Mapping[str, PublicListener] | None = None
                 ) -> None:
        self.desk = desk
        self.listeners = dict(desk.adapters.listeners() if listeners is None else listeners)
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.cache = RuleCache()
        self._readers: dict[int, Reader] = {}
        self._rounds = Rounds("listening service", TICK_SECONDS, self._tick)

    async def start(self) -> None:
        if self.listeners:
            self._rounds.start()
            self._rounds.wake()

    async def stop(self) -> None:
        await self._rounds.stop()
        readers = list(self._readers.items())
        for _, reader in readers:
            reader.task.cancel()
        await asyncio.gather(*(r.task for _, r in readers), return_exceptions=True)
        for channel_id, _ in readers:
            with contextlib.suppress(Exception):  # let another take over at once
                await leases.release(self.desk.db, channel_id, self.holder)
        self._readers.clear()

    async def _tick(self) -> None:
        db = self.desk.db
        held = await leases.renew(db, self.holder, list(self._readers), LEASE_SECONDS)
        async with db.read() as session:
            rules = list((await session.scalars(
                select(ListeningRule).where(col(ListeningRule.active)))).all())
            channels = {c.id: c for c in (await session.scalars(
                select(Channel).where(col(Channel.active),
                                      col(Channel.adapter).in_(list(self.listeners))))).all()}
        wanted = {cid: q for cid, c in channels.items()
                  if (q := query_for(c.network, rules)).terms or q.hashtags}
        for channel_id, reader in list(self._readers.items()):
            if reader.task.done() or channel_id not in held or \
                    wanted.get(channel_id) != reader.query:
                reader.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await reader.task
                del self._readers[channel_id]
                if channel_id in held:
                    await leases.release(db, channel_id, self.holder)
        for channel_id, query in wanted.items():
            if channel_id in self._readers:
                continue
            cursor = await leases.take(db, channel_id, self.holder, LEASE_SECONDS)
            if cursor is not None:
                channel = channels[channel_id]
                task = asyncio.create_task(self._read(channel, query, cursor))
                self._readers[channel_id] = Reader(task, query)

    async def _read(self, channel: Channel, query: ListeningQuery,
                    cursor: dict[str, Any]) -> None:
        db, channel_id = self.desk.db, channel.id or 0
        listener = self.listeners[channel.adapter]
        account = account_of(channel, self.desk.box)
        backoff = FIRST_BACKOFF
        while True:
            intake = DeskListeningIntake(self.desk, self.cache, channel_id, channel.network,
                                         self.holder)
            try:
                await leases.mark(db, channel_id, self.holder, "running")
                await listener.listen(account, query, cursor, intake)
                wait = FIRST_BACKOFF
            except LeaseLost:
                return
            except PermanentError as refused:
                log.warning("listening on channel %s stopped: %s", channel_id, refused.message)
                await leases.mark(db, channel_id, self.holder, "stopped", refused.message,
                                  utcnow() + STOPPED_FOR)
                await leases.release(db, channel_id, self.holder)
                return
            except TemporaryError as error:
                wait = error.retry_after if error.retry_after is not None else backoff
                await leases.mark(db, channel_id, self.holder, "retrying", error.message,
                                  utcnow() + timedelta(seconds=wait))
            except Exception as error:
                log.exception("listening on channel %s failed", channel_id)
                wait = backoff
                await leases.mark(db, channel_id, self.holder, "retrying",
                                  f"internal error: {error.__class__.__name__}")
            backoff = FIRST_BACKOFF if intake.delivered else min(backoff * 2, MAX_BACKOFF)
            await asyncio.sleep(wait)
            async with db.read() as session:
                row = await session.get(ListeningWatch, channel_id)
            if row is None or row.holder != self.holder:
                return
            cursor = dict(row.cursor)
