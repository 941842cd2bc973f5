"""The drafts this process is editing: one CRDT document per thread, saved soon after edits.

Nothing may be lost: a document is saved at most SAVE_AFTER seconds after the last edit
(and at least every SAVE_AT_MOST seconds while people keep typing), when its last editor
leaves, and at shutdown. Saving merges with what the database holds, so copies in other
processes meet there; what the merge brings in is handed to this process's editors.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pycrdt import Doc, Text

from realtime.draft_awareness import DraftAwareness
from server.actions.drafts import TEXT_ROOT, do_save_draft, draft_version, load_draft
from server.db import Database
from server.permissions import Actor

log = logging.getLogger("tandem.drafts")

SAVE_AFTER = 0.2
SAVE_AT_MOST = 1.0
RETRY_SECONDS = 1.0

# Sends an update the database contributed to this process's editors of a thread.
Relay = Callable[[int, bytes], Awaitable[None]]


@dataclass(eq=False)
class LiveDraft:
    thread_id: int
    doc: Doc[Text]
    version: int  # the stored version this copy has merged
    members: dict[str, Actor] = field(default_factory=dict)  # local connections
    awareness: DraftAwareness = field(default_factory=DraftAwareness)
    editors: list[int] = field(default_factory=list)  # accepted edits since the last save
    seen_message_id: int | None = None
    dirty_since: float | None = None
    last_change: float = 0.0
    saver: asyncio.Task[None] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def text(self) -> str:
        return str(self.doc.get(TEXT_ROOT, type=Text))

    def apply(self, update: bytes) -> bool:
        """Apply an update; True if it changed the document (not a repeat)."""
        state, text = self.doc.get_state(), self.text()
        self.doc.apply_update(update)
        # A deletion keeps the state vector but always changes the plain text.
        return self.doc.get_state() != state or self.text() != text


class DraftDocs:
    def __init__(self, db: Database, relay: Relay) -> None:
        self.db = db
        self.relay = relay
        self.live: dict[int, LiveDraft] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def open(self, thread_id: int) -> LiveDraft:
        """This process's copy of a draft, loaded from the database the first time."""
        live = self.live.get(thread_id)
        if live is not None:
            return live
        async with self._locks.setdefault(thread_id, asyncio.Lock()):
            live = self.live.get(thread_id)
            if live is None:
                stored = await load_draft(self.db, thread_id)
                doc: Doc[Text] = Doc()
                if stored and stored.document:
                    doc.apply_update(stored.document)
                live = LiveDraft(thread_id, doc, stored.version if stored else 0)
                self.live[thread_id] = live
            return live

    def changed(self, live: LiveDraft, editor_id: int, seen_message_id: int | None) -> None:
        """A member's edit was applied: remember who, and save soon."""
        if editor_id in live.editors:
            live.editors.remove(editor_id)
        live.editors.append(editor_id)  # the last one is the latest editor
        if seen_message_id is not None:
            live.seen_message_id = max(live.seen_message_id or 0, seen_message_id)
        now = time.monotonic()
        if live.dirty_since is None:
            live.dirty_since = now
        live.last_change = now
        if live.saver is None or live.saver.done():
            live.saver = asyncio.create_task(self._save_soon(live))

    async def _save_soon(self, live: LiveDraft) -> None:
        while live.dirty_since is not None:
            due = min(live.last_change + SAVE_AFTER, live.dirty_since + SAVE_AT_MOST)
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            elif not await self.save(live):
                await asyncio.sleep(RETRY_SECONDS)

    async def save(self, live: LiveDraft) -> bool:
        """Merge this copy into the stored draft now; False if the database refused."""
        async with live.lock:
            if live.dirty_since is None:
                return True
            editors, seen = live.editors, live.seen_message_id
            live.editors, live.dirty_since = [], None
            try:
                saved = await do_save_draft(
                    self.db, live.thread_id, live.doc.get_update(), editors=editors,
                    seen_message_id=seen,
                )
            except BaseException as error:
                # Cancelled or failed: the edits stay unsaved, for the next attempt.
                live.editors = [*editors, *(e for e in live.editors if e not in editors)]
                live.dirty_since = live.dirty_since or time.monotonic()
                if not isinstance(error, Exception):
                    raise
                log.exception("could not save the draft of thread %s; retrying", live.thread_id)
                return False
            live.version = max(live.version, saved.version)
            await self._merge(live, saved.document)
            return True

    async def refresh(self, live: LiveDraft) -> None:
        """Take in what others stored since this copy last looked (another process, a clear)."""
        version = await draft_version(self.db, live.thread_id)
        if version is None or version == live.version:
            return
        async with live.lock:
            stored = await load_draft(self.db, live.thread_id)
            if stored is None or not stored.document:
                return
            live.version = max(live.version, stored.version)
            await self._merge(live, stored.document)

    async def _merge(self, live: LiveDraft, document: bytes) -> None:
        state = live.doc.get_state()
        if live.apply(document):
            await self.relay(live.thread_id, live.doc.get_update(state))

    async def close_if_idle(self, thread_id: int) -> None:
        """Save and forget a draft nobody in this process edits any more."""
        async with self._locks.setdefault(thread_id, asyncio.Lock()):
            live = self.live.get(thread_id)
            if live is None or live.members:
                return
            await self.save(live)
            if not live.members and live.dirty_since is None:
                del self.live[thread_id]
                if live.saver is not None:
                    live.saver.cancel()

    async def flush(self) -> None:
        """Save every draft with unsaved edits (shutdown)."""
        for live in list(self.live.values()):
            await self.save(live)  # waits for a save in flight, then saves what is left
            if live.saver is not None:
                live.saver.cancel()
