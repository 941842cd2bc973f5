"""Many live boards, spread over several client processes.

One Python process cannot keep up with a thousand Socket.IO clients at full speed, so the
boards live in worker processes (multiprocessing, spawn). Each board is a real
python-socketio AsyncClient on the websocket transport that resumes like the board page does
and notes, per post, the wall-clock time its `events` batch arrived. The parent hands over
the times the sender began each accepted webhook and saw its 200; the workers turn those
into two latencies per (post, board). Each worker also keeps, once per post, the server's
own time on the message (`created_at`: on the desk when the batch that stored it began),
which splits a post's way into sender -> server -> 200 and server -> board.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import time
from array import array
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

import socketio

from bench.sender import board_seq, parse_post

CONNECT_AT_ONCE = 25
RECONNECT_ATTEMPTS = 20


@dataclass
class _Shared:
    """What every board of one worker shares: the current run's tag, the server's time on
    each post of it, and whether we are done."""

    prefix: str = "\0"  # matches no post until a run starts
    closing: bool = False
    # Post number -> the message's created_at as the server sent it (noted by the first
    # board that gets the post, and parsed only when collecting: the boards are CPU-bound).
    stored: dict[int, str] = field(default_factory=dict)


class Board:
    """One board. Like the board page, it reconnects after a drop and resumes from its seq."""

    __slots__ = ("batches", "client", "drops", "dupes", "got", "live", "reloads", "seq",
                 "shared", "token", "url")

    def __init__(self, shared: _Shared, url: str, token: str) -> None:
        self.shared = shared
        self.url = url
        self.token = token
        self.got: dict[int, float] = {}
        self.seq = 0
        self.dupes = self.batches = self.drops = self.reloads = 0
        self.live = False  # joined once: from then on a drop is repaired
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("events", self.on_events)
        self.client.on("disconnect", self.on_disconnect)

    def on_events(self, batch: dict[str, Any]) -> None:
        now = time.time()
        self.batches += 1
        self.seq = max(self.seq, int(batch.get("upto") or 0))
        prefix = self.shared.prefix
        for event in batch.get("events", ()):
            if event.get("type") != "message.added":
                continue
            number = parse_post(prefix, event["payload"]["message"]["text"])
            if number is None:
                continue
            if number in self.got:
                self.dupes += 1
            else:
                self.got[number] = now
                if number not in self.shared.stored:
                    self.shared.stored[number] = event["payload"]["message"]["created_at"]

    def on_disconnect(self, *_: Any) -> None:
        if self.live and not self.shared.closing:
            self.drops += 1
            asyncio.get_running_loop().create_task(self.reconnect())

    async def join(self, since: int) -> None:
        # Like the board page, ask for each thread's card once per batch (the floor ignores it).
        await self.client.connect(
            self.url + "?cards=newest", auth={"token": self.token}, transports=["websocket"],
            wait_timeout=30,
        )
        answer = await self.client.call("resume", {"since": since}, timeout=60)
        if answer.get("reload"):
            # Too far behind: the page reloads the board and resumes from its fresh seq. What
            # it missed is in the reloaded board, not in events, so it counts as lost here.
            self.reloads += 1
            fresh = await board_seq(self.url, self.token)
            answer = await self.client.call("resume", {"since": fresh}, timeout=60)
        if not answer.get("ok") or answer.get("reload"):
            raise RuntimeError(f"resume refused: {answer}")
        self.seq = max(self.seq, int(answer.get("seq") or 0))
        self.live = True

    async def reconnect(self) -> None:
        for attempt in range(RECONNECT_ATTEMPTS):
            await asyncio.sleep(min(5.0, 0.5 * (attempt + 1)))
            if self.shared.closing or self.client.connected:
                return
            try:
                await self.join(self.seq)
                return
            except Exception:
                with contextlib.suppress(Exception):
                    await self.client.disconnect()


async def _connect(
    boards: list[Board], shared: _Shared, plan: list[tuple[str, str, int]]
) -> dict[str, Any]:
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    errors: dict[str, int] = {}

    async def one(url: str, token: str, since: int) -> None:
        board = Board(shared, url, token)
        async with gate:
            try:
                await board.join(since)
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"[:120]
                errors[why] = errors.get(why, 0) + 1
                if board.client.connected:
                    await board.client.disconnect()
                return
        boards.append(board)

    await asyncio.gather(*(one(*p) for p in plan))
    return {"connected": len(boards), "errors": errors}


def _wall(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _collect(boards: list[Board], shared: _Shared, accepted: dict[int, float],
             started: dict[int, float]) -> dict[str, Any]:
    latencies = array("d")  # from the sender's 200
    from_start = array("d")  # from the moment the sender began the request
    from_stored = array("d")  # from the server's time on the message
    stored = {n: _wall(t) for n, t in shared.stored.items() if n in accepted}
    missing = 0
    boards_missing = 0
    last = 0.0
    for board in boards:
        gap = 0
        for number, at in accepted.items():
            got = board.got.get(number)
            if got is None:
                gap += 1
            else:
                latencies.append((got - at) * 1000)
                from_start.append((got - started[number]) * 1000)
                if number in stored:
                    from_stored.append((got - stored[number]) * 1000)
        missing += gap
        boards_missing += gap > 0
        if board.got:
            last = max(last, max(board.got.values()))
    return {
        "latencies": latencies.tobytes(),
        "from_start": from_start.tobytes(),
        "from_stored": from_stored.tobytes(),
        "stored": stored,
        "missing": missing,
        "boards_missing": boards_missing,
        "dupes": sum(b.dupes for b in boards),
        "received": sum(len(b.got) for b in boards),
        "batches": sum(b.batches for b in boards),
        "drops": sum(b.drops for b in boards),
        "reloads": sum(b.reloads for b in boards),
        "last": last,
    }


async def _serve(conn: Connection) -> None:
    # Drops are counted and repaired by the boards; the client library's own log adds nothing.
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)
    logging.getLogger("socketio.client").setLevel(logging.CRITICAL)
    loop = asyncio.get_running_loop()
    boards: list[Board] = []
    shared = _Shared()
    while True:
        command, args = await loop.run_in_executor(None, conn.recv)
        if command == "connect":
            conn.send(await _connect(boards, shared, args))
        elif command == "start":
            shared.prefix = args
            shared.stored.clear()
            for board in boards:
                board.got.clear()
                board.dupes = board.batches = board.drops = board.reloads = 0
            conn.send(None)
        elif command == "progress":
            conn.send(sum(len(b.got) for b in boards))
        elif command == "collect":
            conn.send(_collect(boards, shared, *args))
        elif command == "close":
            shared.closing = True
            await asyncio.gather(
                *(b.client.disconnect() for b in boards if b.client.connected),
                return_exceptions=True,
            )
            conn.send(None)
            return


def _worker(conn: Connection) -> None:
    asyncio.run(_serve(conn))


@dataclass
class Collected:
    latencies_ms: list[float] = field(default_factory=list)  # (post, board): 200 -> board
    from_start_ms: list[float] = field(default_factory=list)  # request start -> board
    from_stored_ms: list[float] = field(default_factory=list)  # server's time -> board
    stored: dict[int, float] = field(default_factory=dict)  # post -> server's wall time on it
    missing: int = 0
    boards_missing: int = 0
    dupes: int = 0
    received: int = 0
    batches: int = 0
    drops: int = 0
    reloads: int = 0
    last: float = 0.0


class BoardPool:
    """`processes` worker processes; boards are dealt to them round-robin."""

    def __init__(self, processes: int) -> None:
        context = mp.get_context("spawn")
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        for _ in range(processes):
            parent, child = context.Pipe()
            proc = context.Process(target=_worker, args=(child,), daemon=True)
            proc.start()
            self._conns.append(parent)
            self._procs.append(proc)
        self.size = 0

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def _all(self, command: str, args: Any = None) -> list[Any]:
        for conn in self._conns:
            conn.send((command, args))
        return [conn.recv() for conn in self._conns]

    def connect(self, targets: list[tuple[str, str, int]]) -> dict[str, Any]:
        """Connect boards given as (url, token, since); returns how many made it and errors."""
        plans: list[list[tuple[str, str, int]]] = [[] for _ in self._conns]
        for n, target in enumerate(targets):
            plans[(self.size + n) % len(plans)].append(target)
        for conn, plan in zip(self._conns, plans, strict=True):
            conn.send(("connect", plan))
        answers = [conn.recv() for conn in self._conns]
        errors: dict[str, int] = {}
        for answer in answers:
            for why, count in answer["errors"].items():
                errors[why] = errors.get(why, 0) + count
        self.size = sum(a["connected"] for a in answers)
        return {"connected": self.size, "errors": errors}

    def start(self, prefix: str) -> None:
        self._all("start", prefix)

    def received(self) -> int:
        return sum(self._all("progress"))

    def collect(self, accepted: dict[int, float], started: dict[int, float]) -> Collected:
        """Latencies of every (post, board) pair, from the 200 (`accepted`) and from the
        request's start (`started`): wall times per post number, as the sender saw them."""
        out = Collected()
        for part in self._all("collect", (accepted, started)):
            for key, into in (("latencies", out.latencies_ms), ("from_start", out.from_start_ms),
                              ("from_stored", out.from_stored_ms)):
                chunk = array("d")
                chunk.frombytes(part[key])
                into.extend(chunk)
            out.stored.update(part["stored"])
            out.missing += part["missing"]
            out.boards_missing += part["boards_missing"]
            out.dupes += part["dupes"]
            out.received += part["received"]
            out.batches += part["batches"]
            out.drops += part["drops"]
            out.reloads += part["reloads"]
            out.last = max(out.last, part["last"])
        return out

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, EOFError, OSError):
            self._all("close")
        for proc in self._procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        self.size = 0
