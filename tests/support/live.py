"""A live board as a test sees it: a real Socket.IO client that keeps what it receives."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio


class LiveBoard:
    def __init__(self, url: str, token: str | None = None, headers: dict[str, str] | None = None):
        self.url = url
        self.token = token
        self.headers = headers or {}
        self.events: list[dict[str, Any]] = []
        self.batches: list[dict[str, Any]] = []
        self.heads: list[int] = []
        self.presence: list[dict[str, Any]] = []
        self.seq = 0
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("events", self._on_events)
        self.client.on("head", lambda data: self.heads.append(data["seq"]))
        self.client.on("presence", self.presence.append)

    async def _on_events(self, batch: dict[str, Any]) -> None:
        self.batches.append(batch)
        self.events.extend(batch["events"])
        self.seq = max(self.seq, batch["upto"])

    async def connect(self, since: int | None = None) -> dict[str, Any]:
        """Connect and resume from `since` (default: the newest seq the REST API reports)."""
        await self.client.connect(
            self.url, auth={"token": self.token} if self.token else None, headers=self.headers,
            transports=["websocket"], wait_timeout=10,
        )
        if since is None:
            return {"ok": True}
        return await self.resume(since)

    async def resume(self, since: int) -> dict[str, Any]:
        answer = await self.call("resume", {"since": since})
        if answer.get("ok") and "seq" in answer:
            self.seq = max(self.seq, answer["seq"])
        return answer

    async def call(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.client.call(event, data or {}, timeout=15)

    async def disconnect(self) -> None:
        if self.client.connected:
            await self.client.disconnect()

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]

    async def wait_for(
        self, check: Callable[[LiveBoard], Any], timeout: float = 5.0, what: str = "event"
    ) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = check(self)
            if result:
                return result
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; got {self.events[-5:]}")
            await asyncio.sleep(0.02)
