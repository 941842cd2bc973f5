"""A draft editor as a test drives it: a real Socket.IO client with its own pycrdt document.

pycrdt speaks the same update format as Yjs in the browser, so to the server this peer is
just another editor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio
from pycrdt import Doc, Text

from realtime.draft_awareness import decode, encode


class DraftPeer:
    def __init__(self, url: str, token: str, thread_id: int) -> None:
        self.url = url
        self.token = token
        self.thread_id = thread_id
        self.doc: Doc[Text] = Doc()
        self.text = self.doc.get("draft", type=Text)
        self.access: list[dict[str, Any]] = []
        self.awareness: dict[int, dict[str, Any] | None] = {}
        self.received: list[bytes] = []
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("draft.update", self._on_update)
        self.client.on("draft.awareness", self._on_awareness)
        self.client.on("draft.access", self.access.append)

    async def _on_update(self, data: dict[str, Any]) -> None:
        if data["thread_id"] == self.thread_id:
            self.received.append(data["update"])
            self.doc.apply_update(data["update"])

    async def _on_awareness(self, data: dict[str, Any]) -> None:
        if data["thread_id"] == self.thread_id:
            self._take_awareness(data["update"])

    def _take_awareness(self, update: bytes | None) -> None:
        for client, _clock, state in decode(update or b"\x00"):
            self.awareness[client] = state

    async def connect(self) -> DraftPeer:
        await self.client.connect(
            self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10
        )
        return self

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        return await self.client.call(event, {"thread_id": self.thread_id, **data}, timeout=15)

    async def join(self) -> dict[str, Any]:
        """The sync handshake: take what the server has, then send what it lacks."""
        answer = await self.call("draft.join", {"state_vector": self.doc.get_state()})
        if not answer["ok"]:
            return answer
        self.doc.apply_update(answer["update"])
        self._take_awareness(answer["awareness"])
        if answer["may_edit"]:
            missing = self.doc.get_update(answer["state_vector"])
            sent = await self.call("draft.update", {"update": missing})
            assert sent["ok"], sent
        return answer

    async def insert(self, index: int, chars: str) -> dict[str, Any]:
        """Type locally, then send exactly that change, as the browser does."""
        before = self.doc.get_state()
        self.text.insert(index, chars)
        return await self.call("draft.update", {"update": self.doc.get_update(before)})

    async def delete(self, start: int, stop: int) -> dict[str, Any]:
        before = self.doc.get_state()
        del self.text[start:stop]
        # A deletion adds no items; the update's delete set carries it.
        return await self.call("draft.update", {"update": self.doc.get_update(before)})

    async def set_awareness(self, clock: int, state: dict[str, Any] | None) -> dict[str, Any]:
        update = encode([(self.doc.client_id, clock, state)])
        return await self.call("draft.awareness", {"update": update})

    @property
    def value(self) -> str:
        return str(self.text)

    async def disconnect(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


async def eventually(check: Callable[[], Any], timeout: float = 8.0, what: str = "it") -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def invite_and_take_back(url: str, holder: Any, guest: Any, thread_id: int) -> None:
    """Claim a thread, invite someone to its draft, take it back, release: one connection,
    so the claim cannot lapse in between. `holder` and `guest` are tests' Person objects."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth={"token": holder.token}, transports=["websocket"],
                         wait_timeout=10)
    try:
        for command, data in [
            ("claim", {}),
            ("draft.invite", {"user_id": guest.id}),
            ("draft.uninvite", {"user_id": guest.id}),
            ("release", {}),
        ]:
            answer = await client.call(command, {"thread_id": thread_id, **data}, timeout=15)
            assert answer["ok"], (command, answer)
    finally:
        await client.disconnect()
