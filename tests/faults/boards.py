"""A board client that follows the protocol's rules for clients (docs/realtime.md), so a
fault test can say what a real board would have shown: it resumes after every
(re)connect, applies only events above the last seq it applied, and resumes when a
`head` announces more than it has."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from tests.support.live import LiveBoard


class ResumingBoard:
    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.applied: list[dict[str, Any]] = []
        self.last = 0
        self.reconnects = 0
        self.repeats = 0  # events sent again (allowed: the client drops them)
        self._board: LiveBoard | None = None
        self._resuming = asyncio.Lock()
        self._reconnecting = asyncio.Lock()

    def _fresh_client(self) -> LiveBoard:
        board = LiveBoard(self.url, self.token)
        board.client.on("events", self._on_events)
        board.client.on("head", self._on_head)
        return board

    async def _on_events(self, batch: dict[str, Any]) -> None:
        for event in batch["events"]:
            if event["seq"] > self.last:
                self.applied.append(event)
                self.last = event["seq"]
            else:
                self.repeats += 1
        self.last = max(self.last, batch["upto"])

    async def _on_head(self, head: dict[str, Any]) -> None:
        if head["seq"] > self.last:
            asyncio.get_running_loop().create_task(self.resume())

    async def connect(self, since: int) -> None:
        self.last = max(self.last, since)
        self._board = self._fresh_client()
        await self._board.connect()
        await self.resume()

    async def resume(self) -> None:
        async with self._resuming:
            board = self._board
            if board is None or not board.client.connected:
                return
            try:
                answer = await board.call("resume", {"since": self.last})
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                return  # the connection went away meanwhile; the next connect resumes
            assert answer["ok"] and not answer.get("reload"), answer

    async def reconnect(self) -> None:
        """Drop the connection (as a flaky network does) and come back from `last`."""
        async with self._reconnecting:
            await self.disconnect()
            self.reconnects += 1
            await self.connect(self.last)

    async def disconnect(self) -> None:
        if self._board is not None:
            await self._board.disconnect()
            self._board = None

    @property
    def connected(self) -> bool:
        return self._board is not None and self._board.client.connected

    def texts(self, prefix: str) -> list[str]:
        return [e["payload"]["message"]["text"] for e in self.applied
                if e["type"] == "message.added"
                and e["payload"]["message"]["text"].startswith(prefix)]

    async def wait_for_texts(self, prefix: str, count: int, timeout: float) -> list[str]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.texts(prefix)) < count:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        return self.texts(prefix)
