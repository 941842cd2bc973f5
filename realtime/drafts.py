"""Co-editing reply drafts over the desk's Socket.IO connection (Yjs sync and awareness).

Client -> server commands (each answered with an ack, {ok: false, error} when refused):
  draft.join      {thread_id, state_vector?}  -> {update, state_vector, awareness, access...}
  draft.update    {thread_id, update, seen_message_id?}
  draft.awareness {thread_id, update}
  draft.leave     {thread_id}
  draft.flush     {thread_id} -> {version, text}: saved now (say, before submitting)
  draft.access    {thread_id} -> access
  draft.invite / draft.uninvite {thread_id, user_id} -> {invited}
  draft.writers   {} -> {people}: whom a holder can invite
Server -> client events: draft.update and draft.awareness {thread_id, update} (from the
other editors), draft.access {thread_id, ...access} (when who may write changed).

Every process holds its own copy of a draft's document; updates travel to the other
processes on the bus (base64 in JSON) and CRDT updates are idempotent, so a message that
arrives twice is harmless and one that is lost is repaired from the database.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import secrets
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from realtime.draft_docs import DraftDocs, LiveDraft
from server.actions.drafts import (
    DraftAccess,
    check_update,
    do_invite,
    do_uninvite,
    draft_access,
    people,
    writers,
)
from server.commands.inputs import CommandInput, Id, NoInput
from server.commands.registry import Call, Command
from server.errors import Invalid
from server.i18n import gettext
from server.permissions import Actor

if TYPE_CHECKING:
    from realtime.server import Realtime
    from realtime.stream import StreamEvent

log = logging.getLogger("tandem.drafts")

MAX_UPDATE_BYTES = 512 * 1024
# How often a process re-reads the drafts it holds, to repair relays the bus lost.
CHECK_SECONDS = 5.0


Update = Annotated[bytes, Field(max_length=MAX_UPDATE_BYTES)]


class ThreadRef(CommandInput):
    thread_id: Id


class JoinInput(ThreadRef):
    state_vector: Update | None = Field(None, description="Yjs v1 state vector of your copy")


class UpdateInput(ThreadRef):
    update: Update = Field(description="a Yjs v1 update")
    seen_message_id: Id | None = Field(None, description="the newest message you have seen")


class AwarenessInput(ThreadRef):
    update: Update = Field(description="a y-protocols awareness update")


class InviteInput(ThreadRef):
    user_id: Id


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class DraftEditing:
    def __init__(self, realtime: Realtime) -> None:
        self.realtime = realtime
        self.desk = realtime.desk
        self.sio = realtime.sio
        self.origin = secrets.token_hex(8)  # tells this process's bus messages apart
        self.docs = DraftDocs(self.desk.db, self._relay_from_store)
        self.joined: dict[str, set[int]] = {}  # sid -> threads whose draft it has open
        self._rechecks: set[int] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._checker: asyncio.Task[None] | None = None

    def commands(self) -> list[Command]:
        """The draft's socket commands (Yjs over Socket.IO: binary, so not over REST)."""
        def draft(name: str, model: type[CommandInput], run: Any, summary: str,
                  permission: str | None = "thread.view") -> Command:
            return Command(f"draft.{name}", model, run, summary, permission=permission,
                           binary=True, tags=("drafts",))

        return [
            draft("join", JoinInput, self._join,
                  "Open a thread's reply draft: its state, what you lack, who may write."),
            draft("update", UpdateInput, self._update,
                  "Apply a Yjs update to the draft; relayed to every member.",
                  permission="draft.edit"),
            draft("awareness", AwarenessInput, self._awareness,
                  "Relay your cursor and selection (y-protocols awareness)."),
            draft("leave", ThreadRef, self._leave, "Close the draft.", permission=None),
            draft("flush", ThreadRef, self._flush, "Save the draft now; answers its text."),
            draft("access", ThreadRef, self._access_command, "Who may write the draft now."),
            draft("invite", InviteInput, self._invite,
                  "The holder invites a colleague to write too.", permission="draft.edit"),
            draft("uninvite", InviteInput, self._uninvite,
                  "The holder takes an invitation back.", permission="draft.edit"),
            draft("writers", NoInput, self._writers, "Who may be invited to write.",
                  permission="draft.edit"),
        ]

    def install(self) -> None:
        self.realtime.draft_saver = self.save_thread
        self.realtime.add_bus_handler("draft.update", self._bus_update)
        self.realtime.add_bus_handler("draft.awareness", self._bus_awareness)
        self.realtime.add_bus_handler("draft.sync", self._bus_sync)
        self.realtime.on_disconnect(self._disconnected)
        self.realtime.add_service(self)
        self.realtime.stream.listeners.append(self._events)

    async def start(self) -> None:
        self._checker = asyncio.create_task(self._check_now_and_then())

    async def stop(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
            await asyncio.gather(self._checker, return_exceptions=True)
        await self.docs.flush()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- access -----------------------------------------------------------------------

    async def _access(self, actor: Actor, thread_id: int) -> DraftAccess:
        async with self.desk.db.read() as session:
            return await draft_access(
                session, actor, thread_id,
                open_when_unclaimed=self.desk.settings.drafts_open_when_unclaimed,
            )

    async def _access_json(self, access: DraftAccess, sid: str) -> dict[str, Any]:
        language = self.realtime.languages.get(sid, self.desk.settings.default_language)
        async with self.desk.db.read() as session:
            invited = await people(session, access.invited)
        refusal = access.refusal
        return {
            "thread_id": access.thread_id,
            "may_edit": access.may_edit,
            "refusal": refusal.payload(lambda m: gettext(language, m)) if refusal else None,
            "state": access.state,
            "holder": access.holder.model_dump() if access.holder else None,
            "invited": [p.model_dump() for p in invited],
        }

    def _member(self, call: Call, thread_id: int) -> LiveDraft:
        live = self.docs.live.get(thread_id)
        if live is None or call.sid not in live.members:
            raise Invalid("Open the draft first (draft.join).")
        return live

    async def save_thread(self, thread_id: int) -> None:
        """Store this process's unsaved keystrokes of a draft (before a submit reads it)."""
        live = self.docs.live.get(thread_id)
        if live is not None:
            await self.docs.save(live)

    # -- commands ---------------------------------------------------------------------

    async def _join(self, call: Call, data: JoinInput) -> dict[str, Any]:
        actor, thread_id, sid = call.actor, data.thread_id, str(call.sid)
        client_state = data.state_vector or b"\x00"
        access = await self._access(actor, thread_id)  # refuses people who may not look
        loaded = thread_id in self.docs.live
        live = await self.docs.open(thread_id)
        # No await from here until the member is added: whatever is applied before is in
        # this answer, whatever comes after is relayed to the new member.
        try:
            update = live.doc.get_update(client_state)
        except Exception:
            raise Invalid("state_vector is not a Yjs state vector.") from None
        live.members[sid] = actor
        self.joined.setdefault(sid, set()).add(thread_id)
        answer = {
            "update": update,
            "state_vector": live.doc.get_state(),
            "awareness": live.awareness.snapshot(),
            **await self._access_json(access, sid),
        }
        if not loaded:
            # Other processes may hold edits not saved yet: ask them for what we lack.
            await self._publish("draft.sync", live, state=_b64(live.doc.get_state()))
        return answer

    async def _update(self, call: Call, data: UpdateInput) -> None:
        actor, thread_id, update = call.actor, data.thread_id, data.update
        live = self._member(call, thread_id)
        check_update(update)
        (await self._access(actor, thread_id)).check()
        try:
            changed = live.apply(update)
        except Exception:
            raise Invalid("This is not a document update.") from None
        if not changed:
            return  # a repeat (a resync after reconnecting): nothing to relay or save
        self.docs.changed(live, actor.id, data.seen_message_id)
        await self._send(live, "draft.update", {"thread_id": thread_id, "update": update},
                         skip=call.sid)
        await self._publish("draft.update", live, update=_b64(update))

    async def _awareness(self, call: Call, data: AwarenessInput) -> None:
        live = self._member(call, data.thread_id)
        relayed = live.awareness.from_member(
            data.update, str(call.sid), {"id": call.actor.id, "name": call.actor.name}
        )
        await self._send(live, "draft.awareness",
                         {"thread_id": data.thread_id, "update": relayed}, skip=call.sid)
        await self._publish("draft.awareness", live, update=_b64(relayed))

    async def _leave(self, call: Call, data: ThreadRef) -> None:
        await self._leave_one(str(call.sid), data.thread_id)

    async def _flush(self, call: Call, data: ThreadRef) -> dict[str, Any]:
        """Save now what this process holds, so a submit right after typing sends it all."""
        live = self._member(call, data.thread_id)
        if not await self.docs.save(live):
            raise Invalid("The draft could not be saved; try again.")
        return {"version": live.version, "text": live.text()}

    async def _access_command(self, call: Call, data: ThreadRef) -> dict[str, Any]:
        access = await self._access(call.actor, data.thread_id)
        return await self._access_json(access, str(call.sid))

    async def _invite(self, call: Call, data: InviteInput) -> dict[str, Any]:
        invited = await do_invite(self.desk.db, call.actor, data.thread_id, data.user_id)
        return {"invited": [p.model_dump() for p in invited]}

    async def _uninvite(self, call: Call, data: InviteInput) -> dict[str, Any]:
        invited = await do_uninvite(self.desk.db, call.actor, data.thread_id, data.user_id)
        return {"invited": [p.model_dump() for p in invited]}

    async def _writers(self, call: Call, _: NoInput) -> dict[str, Any]:
        async with self.desk.db.read() as session:
            found = await writers(session)
        return {"people": [p.model_dump() for p in found]}

    # -- membership -------------------------------------------------------------------

    async def _leave_one(self, sid: str, thread_id: int) -> None:
        self.joined.get(sid, set()).discard(thread_id)
        live = self.docs.live.get(thread_id)
        if live is None or live.members.pop(sid, None) is None:
            return
        gone = live.awareness.gone(sid)
        if gone is not None:
            await self._send(live, "draft.awareness", {"thread_id": thread_id, "update": gone})
            await self._publish("draft.awareness", live, update=_b64(gone))
        if not live.members:
            self._spawn(self.docs.close_if_idle(thread_id))

    async def _disconnected(self, sid: str) -> None:
        for thread_id in self.joined.pop(sid, set()):
            await self._leave_one(sid, thread_id)

    # -- fan-out ----------------------------------------------------------------------

    async def _send(self, live: LiveDraft, event: str, data: dict[str, Any],
                    skip: str | None = None) -> None:
        sids = [sid for sid in live.members if sid != skip]
        if sids:
            await self.sio.emit(event, data, to=sids)

    async def _publish(self, kind: str, live: LiveDraft, **fields: Any) -> None:
        await self.desk.bus.publish(
            {"kind": kind, "thread_id": live.thread_id, "origin": self.origin, **fields}
        )

    async def _relay_from_store(self, thread_id: int, update: bytes) -> None:
        live = self.docs.live.get(thread_id)
        if live is not None:
            await self._send(live, "draft.update", {"thread_id": thread_id, "update": update})

    def _from_elsewhere(self, message: dict[str, Any]) -> LiveDraft | None:
        if message.get("origin") == self.origin:
            return None
        if message.get("to") not in (None, self.origin):
            return None
        return self.docs.live.get(int(message["thread_id"]))

    async def _bus_update(self, message: dict[str, Any]) -> None:
        live = self._from_elsewhere(message)
        if live is None:
            return  # nobody here edits it; the origin saves it
        update = base64.b64decode(message["update"])
        if live.apply(update):
            await self._send(live, "draft.update", {"thread_id": live.thread_id, "update": update})

    async def _bus_awareness(self, message: dict[str, Any]) -> None:
        live = self._from_elsewhere(message)
        if live is None:
            return
        update = base64.b64decode(message["update"])
        live.awareness.from_elsewhere(update)
        await self._send(live, "draft.awareness", {"thread_id": live.thread_id, "update": update})

    async def _bus_sync(self, message: dict[str, Any]) -> None:
        live = self._from_elsewhere(message)
        if live is None:
            return
        missing = live.doc.get_update(base64.b64decode(message["state"]))
        await self._publish("draft.update", live, update=_b64(missing), to=message["origin"])

    # -- keeping access and copies current ---------------------------------------------

    def _events(self, batch: list[StreamEvent]) -> None:
        """Any event on a thread being drafted here may change who may write (a claim, an
        invitation, a submission) or the stored draft: look again, once per thread."""
        for event in batch:
            thread_id = event.thread_id
            if thread_id in self.docs.live and thread_id not in self._rechecks:
                self._rechecks.add(thread_id)
                self._spawn(self._recheck(thread_id))

    async def _recheck(self, thread_id: int) -> None:
        self._rechecks.discard(thread_id)
        live = self.docs.live.get(thread_id)
        if live is None:
            return
        await self.docs.refresh(live)
        for sid, actor in list(live.members.items()):
            access = await self._access(actor, thread_id)
            if sid in live.members:
                await self.sio.emit("draft.access", await self._access_json(access, sid), to=sid)

    async def _check_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            for live in list(self.docs.live.values()):
                try:
                    if live.members:
                        await self.docs.refresh(live)
                    else:
                        await self.docs.close_if_idle(live.thread_id)
                except Exception:
                    log.exception("could not re-read the draft of thread %s", live.thread_id)

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Any) -> None:
        try:
            await work
        except Exception:
            log.exception("draft background work failed")


def install_drafts(realtime: Realtime) -> DraftEditing:
    editing = DraftEditing(realtime)
    editing.install()
    return editing
