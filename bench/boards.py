"""Many live boards, spread over several client processes.

One Python process cannot keep up with a thousand Socket.IO clients at full speed, so the
boards live in worker processes (multiprocessing, spawn). Each board is a real
python-socketio AsyncClient on the websocket transport that resumes like the board page does
and notes, per post, the wall-clock time its `events` batch arrived. The parent hands over
the times the sender saw each webhook accepted; the workers turn both into latencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import socketio

from bench.sender import parse_post

CONNECT_AT_ONCE = 25


class _Tag:
    prefix = "\0"  # matches no post until a run starts


class Board:
    __slots__ = ("batches", "client", "dupes", "got", "tag")

    def __init__(self, tag: _Tag) -> None:
        self.tag = tag
        self.got: dict[int, float] = {}
        self.dupes = 0
        self.batches = 0
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("events", self.on_events)

    def on_events(self, batch: dict[str, Any]) -> None:
        now = time.time()
        self.batches += 1
        prefix = self.tag.prefix
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


async def _connect(
    boards: list[Board], tag: _Tag, plan: list[tuple[str, str, int]]
) -> dict[str, Any]:
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    errors: dict[str, int] = {}

    async def one(url: str, token: str, since: int) -> None:
        board = Board(tag)
        async with gate:
            try:
                await board.client.connect(
                    url, auth={"token": token}, transports=["websocket"], wait_timeout=30
                )
                answer = await board.client.call("resume", {"since": since}, timeout=60)
                if not answer.get("ok") or answer.get("reload"):
                    raise RuntimeError(f"resume refused: {answer}")
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"[:120]
                errors[why] = errors.get(why, 0) + 1
                if board.client.connected:
                    await board.client.disconnect()
                return
        boards.append(board)

    await asyncio.gather(*(one(*p) for p in plan))
    return {"connected": len(boards), "errors": errors}


def _collect(boards: list[Board], accepted: dict[int, float]) -> dict[str, Any]:
    latencies = array("d")
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
        missing += gap
        boards_missing += gap > 0
        if board.got:
            last = max(last, max(board.got.values()))
    return {
        "latencies": latencies.tobytes(),
        "missing": missing,
        "boards_missing": boards_missing,
        "dupes": sum(b.dupes for b in boards),
        "received": sum(len(b.got) for b in boards),
        "batches": sum(b.batches for b in boards),
        "last": last,
    }


async def _serve(conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    boards: list[Board] = []
    tag = _Tag()
    while True:
        command, args = await loop.run_in_executor(None, conn.recv)
        if command == "connect":
            conn.send(await _connect(boards, tag, args))
        elif command == "start":
            tag.prefix = args
            for board in boards:
                board.got.clear()
                board.dupes = board.batches = 0
            conn.send(None)
        elif command == "progress":
            conn.send(sum(len(b.got) for b in boards))
        elif command == "collect":
            conn.send(_collect(boards, args))
        elif command == "close":
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
    latencies_ms: list[float] = field(default_factory=list)
    missing: int = 0
    boards_missing: int = 0
    dupes: int = 0
    received: int = 0
    batches: int = 0
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

    def collect(self, accepted: dict[int, float]) -> Collected:
        out = Collected()
        for part in self._all("collect", accepted):
            chunk = array("d")
            chunk.frombytes(part["latencies"])
            out.latencies_ms.extend(chunk)
            out.missing += part["missing"]
            out.boards_missing += part["boards_missing"]
            out.dupes += part["dupes"]
            out.received += part["received"]
            out.batches += part["batches"]
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
