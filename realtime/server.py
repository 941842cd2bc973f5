"""The Socket.IO server: authentication, the board's commands, replay and presence."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import socketio

from realtime.commands import socket_handler
from realtime.hints import HintPublisher
from realtime.presence import PresenceStore, make_presence, summarize
from realtime.stream import EventStream, Reload
from server.actions.accounts import actor_for_user
from server.auth import SESSION_COOKIE, cookie_value, resolve_caller
from server.bus import BusHandler
from server.commands.inputs import CommandInput, Seq, ThreadRef
from server.commands.registry import Call, Command, Registry
from server.desk import Desk
from server.errors import N_, Invalid
from server.i18n import gettext, negotiate
from server.metrics import LIVE_CONNECTIONS
from server.permissions import Actor
from server.services import Service
from server.settings import origin_of

log = logging.getLogger("tandem.realtime")
# The presence key of the desk as a whole (thread ids start at 1): who is online at all.
DESK = 0

DisconnectHook = Callable[[str], Awaitable[None]]
UserLeftHook = Callable[[int], Awaitable[None]]


class ResumeInput(CommandInput):
    since: Seq


class TypingInput(ThreadRef):
    typing: bool = True


class Realtime:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        settings = desk.settings
        self.sio = socketio.AsyncServer(
            # Websocket only: several worker processes need no sticky sessions then.
            # The Origin is checked in _connect, for cookie sign-ins only: an empty list turns
            # off python-engineio's own check, which would refuse token clients too.
            async_mode="asgi", cors_allowed_origins=[], logger=False, engineio_logger=False,
            transports=["websocket"],
        )
        self.stream = EventStream(
            desk.db, self.sio, replay_limit=settings.replay_limit,
            coalesce_ms=settings.coalesce_ms, head_interval=settings.head_interval_seconds,
        )
        self.presence: PresenceStore = make_presence(desk.bus)
        self.actors: dict[str, Actor] = {}
        self.languages: dict[str, str] = {}
        self.viewing: dict[str, set[int]] = {}
        # What realtime modules (drafts, ...) plug in: see commands() and the add_* below.
        self.bus_handlers: dict[str, BusHandler] = {}
        self.draft_saver: Callable[[int], Awaitable[None]] | None = None
        self.disconnect_hooks: list[DisconnectHook] = []
        self.user_left_hooks: list[UserLeftHook] = []
        # What realtime modules run while the server runs (started after the bus).
        self.services: list[Service] = []
        self.hints = HintPublisher(desk.bus)
        self._register()

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        await self.desk.bus.start(self._on_bus)
        self.hints.start()
        await self.stream.start()
        for service in self.services:
            await service.start()
        self._refresher = asyncio.create_task(self._refresh_presence())

    async def stop(self) -> None:
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("realtime service %r did not stop cleanly", service)
        self._refresher.cancel()
        await asyncio.gather(self._refresher, return_exceptions=True)
        await self.stream.stop()
        await self.hints.stop()
        await self.desk.bus.close()

    async def committed(self, events: Any) -> None:
        """The after-commit subscriber (create_app's table): new events to fan out."""
        seq = max(e.seq for e in events)
        self.stream.hint(seq)
        self.hints.note(seq)

    async def _on_bus(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "events":
            self.stream.hint(int(message["seq"]))
        elif kind == "presence":
            thread_id = int(message["thread_id"])
            payload = {"thread_id": thread_id, **message["presence"]}
            await self.sio.emit("presence", payload, room=f"thread:{thread_id}")
        elif kind == "sign_out":
            await self._close_connections(int(message["user_id"]))
        elif kind == "refresh_people":
            await self._reload_actors({int(i) for i in message["user_ids"]})
        elif kind in self.bus_handlers:
            await self.bus_handlers[kind](message)

    # -- what commands need of the live side (server.desk.LiveConnections) -------------

    def stream_position(self) -> int:
        return self.stream.upto

    async def flush_draft(self, thread_id: int) -> None:
        if self.draft_saver is not None:
            await self.draft_saver(thread_id)

    async def sign_out(self, user_id: int) -> None:
        """Close a deactivated person's live connections, here at once and in every other
        process through the bus (they cannot connect again: their sign-in is gone)."""
        await self._close_connections(user_id)
        await self.desk.bus.publish({"kind": "sign_out", "user_id": user_id})

    async def online(self) -> set[int]:
        """Who has a live connection anywhere: the presence of the desk as a whole, kept
        like a thread's (under DESK) so every process sees every process's people."""
        summary = summarize(await self.presence.entries(DESK))
        return {person["id"] for person in summary["viewers"]}
    async def refresh_people(self, user_ids: list[int]) -> None:
        """Judge these people's live connections by their new role: here at once, and in
        every other process through the bus."""
        await self._reload_actors(set(user_ids))
        await self.desk.bus.publish({"kind": "refresh_people", "user_ids": sorted(user_ids)})

    async def _reload_actors(self, user_ids: set[int]) -> None:
        held = {sid: actor.id for sid, actor in list(self.actors.items()) if actor.id in user_ids}
        if not held:
            return
        async with self.desk.db.read() as session:
            fresh = {user_id: await actor_for_user(session, user_id)
                     for user_id in set(held.values())}
        for sid, user_id in held.items():
            actor = fresh[user_id]
            if actor is None:  # deactivated meanwhile
                await self.sio.disconnect(sid)
            elif sid in self.actors and self.actors[sid] != actor:
                self.actors[sid] = actor
                # Told once (the bus brings this process its own message again), and after
                # the swap: a page that hears it can trust its next command's answer.
                await self.sio.emit("me", {"id": actor.id, "role": actor.role,
                                           "permissions": sorted(actor.permissions)}, to=sid)

    async def _close_connections(self, user_id: int) -> None:
        for sid, _ in list(self.sio.manager.get_participants("/", f"user:{user_id}")):
            await self.sio.disconnect(sid)

    # -- connections -----------------------------------------------------------------

    def _register(self) -> None:
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)

    def serve_commands(self, registry: Registry) -> None:
        """Answer every socket command of the registry (this module's own among them)."""
        for command in registry:
            if command.socket:
                self.sio.on(command.name, socket_handler(self, command))

    def commands(self) -> list[Command]:
        """The commands only a live connection has: resume, presence, typing."""
        return [
            Command("resume", ResumeInput, self._resume_command,
                    "Replay every event after `since` to this connection, then go live.",
                    permission="thread.view", rest=None, tags=("live",)),
            Command("view", ThreadRef, self._view,
                    "Say that you look at a thread; answers who else does.",
                    permission="thread.view", rest=None, tags=("live",)),
            Command("unview", ThreadRef, self._unview, "Stop looking at a thread.",
                    permission=None, rest=None, tags=("live",)),
            Command("typing", TypingInput, self._typing,
                    "Say that you type in a thread's reply (after view).",
                    permission="draft.edit", rest=None, tags=("live",)),
        ]

    def add_bus_handler(self, kind: str, handler: BusHandler) -> None:
        """Hand bus messages {"kind": kind, ...} (from every process, this one too) to handler."""
        self.bus_handlers[kind] = handler

    def on_disconnect(self, hook: DisconnectHook) -> None:
        """Call hook(sid) when a connection ends."""
        self.disconnect_hooks.append(hook)

    def on_user_left(self, hook: UserLeftHook) -> None:
        """Call hook(user_id) when a person's last connection to this process ends."""
        self.user_left_hooks.append(hook)

    def connected_users(self) -> Iterable[int]:
        """Who has a live connection to this process now."""
        return {actor.id for actor in self.actors.values()}

    def add_service(self, service: Service) -> None:
        self.services.append(service)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        token = token if isinstance(token, str) else None
        if token is None and not self._own_origin(environ.get("HTTP_ORIGIN")):
            # A page elsewhere riding a signed-in person's cookie; token clients carry their
            # credential themselves and may connect from anywhere.
            language = negotiate(environ.get("HTTP_ACCEPT_LANGUAGE"), None,
                                 self.desk.settings.default_language)
            raise socketio.exceptions.ConnectionRefusedError(
                gettext(language, N_("Connect from the desk's own pages.")), {"code": "origin"}
            )
        actor, _ = await resolve_caller(
            self.desk.db, token=token,
            session_cookie=cookie_value(environ.get("HTTP_COOKIE"), SESSION_COOKIE),
        )
        if actor is None:
            raise socketio.exceptions.ConnectionRefusedError(
                "Sign in first.", {"code": "unauthenticated"}
            )
        self.actors[sid] = actor
        self.languages[sid] = negotiate(
            environ.get("HTTP_ACCEPT_LANGUAGE"), actor.language, self.desk.settings.default_language
        )
        self.viewing[sid] = set()
        LIVE_CONNECTIONS.inc()
        await self.sio.enter_room(sid, f"user:{actor.id}")
        await self.presence.put(DESK, sid, self._entry(actor))

    def _own_origin(self, origin: str | None) -> bool:
        """Browsers always name the page's origin on a websocket; a client without one is
        not a browser, so no other site's page can be behind it."""
        return origin is None or origin_of(origin) in self.desk.settings.origins

    async def _disconnect(self, sid: str, *_: Any) -> None:
        self.stream.leave(sid)
        actor = self.actors.pop(sid, None)
        if actor is not None:
            LIVE_CONNECTIONS.dec()
        self.languages.pop(sid, None)
        for thread_id in self.viewing.pop(sid, set()):
            await self._presence_changed(thread_id, sid, None)
        await self.presence.remove(DESK, sid)
        for hook in self.disconnect_hooks:
            try:
                await hook(sid)
            except Exception:
                log.exception("disconnect hook failed for %s", sid)
        if actor and not any(a.id == actor.id for a in self.actors.values()):
            for left in self.user_left_hooks:
                try:
                    await left(actor.id)
                except Exception:
                    log.exception("user-left hook failed for user %s", actor.id)

    # -- commands --------------------------------------------------------------------

    async def _resume_command(self, call: Call, data: ResumeInput) -> dict[str, Any]:
        try:
            seq = await self.stream.resume(call.sid, call.actor.id, data.since)  # type: ignore[arg-type]
        except Reload:
            return {"reload": True}
        return {"seq": seq}

    async def _view(self, call: Call, data: ThreadRef) -> dict[str, Any]:
        sid: str = call.sid  # type: ignore[assignment]
        await self.sio.enter_room(sid, f"thread:{data.thread_id}")
        self.viewing.setdefault(sid, set()).add(data.thread_id)
        summary = await self._presence_changed(data.thread_id, sid, self._entry(call.actor))
        return {"presence": summary}

    async def _unview(self, call: Call, data: ThreadRef) -> None:
        sid: str = call.sid  # type: ignore[assignment]
        await self.sio.leave_room(sid, f"thread:{data.thread_id}")
        self.viewing.get(sid, set()).discard(data.thread_id)
        await self._presence_changed(data.thread_id, sid, None)

    async def _typing(self, call: Call, data: TypingInput) -> None:
        sid: str = call.sid  # type: ignore[assignment]
        if data.thread_id not in self.viewing.get(sid, set()):
            raise Invalid("View the thread before typing in it.")
        entry = self._entry(call.actor)
        if data.typing:
            entry["typing_at"] = time.time()
        await self._presence_changed(data.thread_id, sid, entry)

    @staticmethod
    def _entry(actor: Actor) -> dict[str, Any]:
        return {"user_id": actor.id, "name": actor.name, "seen": time.time()}

    async def _presence_changed(
        self, thread_id: int, sid: str, entry: dict[str, Any] | None
    ) -> dict[str, Any]:
        if entry is None:
            await self.presence.remove(thread_id, sid)
        else:
            await self.presence.put(thread_id, sid, entry)
        summary = summarize(await self.presence.entries(thread_id))
        await self.desk.bus.publish(
            {"kind": "presence", "thread_id": thread_id, "presence": summary}
        )
        return summary

    async def _refresh_presence(self) -> None:
        """Re-stamp this process's viewers now and then, so other processes keep seeing them."""
        while True:
            await asyncio.sleep(30)
            try:
                for sid, threads in list(self.viewing.items()):
                    actor = self.actors.get(sid)
                    for thread_id in (DESK, *threads):
                        if actor:
                            await self.presence.put(thread_id, sid, self._entry(actor))
            except Exception:
                log.exception("presence refresh failed")
