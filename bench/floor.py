"""The floor: a bare python-socketio server that broadcasts the same traffic, and nothing else.

`python -m bench.floor --port P [--coalesce-ms 50]`. It takes the same webhook bodies at
POST /post (no signature, no database), turns each item into the two events the desk would
send for a new thread (thread.opened and message.added, with a card of the same shape), and
delivers them to every connected board the way the desk's stream does: one `events` batch
per pump, at most one pump per coalescing window. What the desk adds on top of this is its
own cost: verification, the transaction, reading the event log, permissions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime
from typing import Any

import socketio
import uvicorn

POLL_SECONDS = 1.0


def card(number: int, raw: dict[str, Any]) -> dict[str, Any]:
    """The shape and size of a desk ThreadCard, stamped (like the desk) when it is stored."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    author = raw.get("author") or {}
    return {
        "id": number, "network": "webhook", "channel_id": 1, "channel_name": "Bench webhook",
        "visibility": raw.get("visibility", "public"), "status": "open", "priority": "normal",
        "tags": [], "reason": None,
        "author": {"contact_id": number, "name": author.get("name", ""), "handle": None},
        "customer_id": None, "excerpt": " ".join(str(raw.get("text", "")).split())[:280],
        "team_id": None, "assignee": None, "holder": None, "claim_token": 0,
        "private_thread_id": None, "public_thread_id": None, "created_at": now,
        "last_message_at": now, "waiting_since": now, "sla_due_at": now, "message_count": 1,
    }


class Floor:
    def __init__(self, coalesce_ms: int) -> None:
        self.sio = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins=[], logger=False, engineio_logger=False
        )
        self.coalesce = coalesce_ms / 1000
        self.seq = 0
        self.pending: list[dict[str, Any]] = []
        self.wake = asyncio.Event()
        self.sio.on("resume", self.resume)
        self._pump_task: asyncio.Task[None] | None = None

    async def resume(self, sid: str, _data: Any = None) -> dict[str, Any]:
        await self.sio.enter_room(sid, "board")
        return {"ok": True, "seq": self.seq}

    def add(self, raw: dict[str, Any]) -> None:
        self.seq += 2
        thread = self.seq
        current = card(thread, raw)
        self.pending.append({"seq": self.seq - 1, "type": "thread.opened", "thread_id": thread,
                             "payload": {"card": current}})
        message = {
            "id": thread, "thread_id": thread, "direction": "in",
            "visibility": current["visibility"], "author_name": current["author"]["name"],
            "text": raw.get("text", ""), "created_at": current["created_at"],
            "delivery_status": "received",
        }
        self.pending.append({"seq": self.seq, "type": "message.added", "thread_id": thread,
                             "payload": {"message": message, "card": current}})
        self.wake.set()

    async def pump(self) -> None:
        last = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
            self.wake.clear()
            pause = last + self.coalesce - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            last = time.monotonic()
            if self.pending:
                batch, self.pending = self.pending, []
                await self.sio.emit("events", {"events": batch, "upto": self.seq}, room="board")

    async def start(self) -> None:
        self._pump_task = asyncio.create_task(self.pump())

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        status, answer = 404, b'{"error":"not found"}'
        if scope["path"] == "/healthz":
            status, answer = 200, b'{"status":"ok"}'
        elif scope["path"] == "/post" and scope["method"] == "POST":
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            payload = json.loads(body)
            items = payload if isinstance(payload, list) else [payload]
            for raw in items:
                self.add(raw)
            status, answer = 200, json.dumps({"stored": len(items), "duplicates": 0}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": answer})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--coalesce-ms", type=int, default=50)
    args = parser.parse_args()
    floor = Floor(args.coalesce_ms)
    app = socketio.ASGIApp(floor.sio, other_asgi_app=floor.http, on_startup=floor.start)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
