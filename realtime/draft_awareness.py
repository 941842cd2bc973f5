"""Who is in a draft and where their cursor is: y-protocols awareness, relayed by the server.

Awareness is ephemeral and never stored. The server keeps the newest state of every client
so a late joiner sees everyone at once, writes the signed-in user into each state (a
browser cannot pose as someone else), and announces a client's departure when its
connection ends. The wire format is y-protocols' awareness update:
varUint(n) then n times varUint(clientID), varUint(clock), varString(JSON state or "null").
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from server.errors import Invalid

# y-protocols clients renew their state every 15 s and drop peers silent for 30 s.
OUTDATED_SECONDS = 30.0
MAX_UPDATE_BYTES = 16 * 1024


def _write_uint(out: bytearray, value: int) -> None:
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def uint(self) -> int:
        value, shift = 0, 0
        while True:
            if self.at >= len(self.data) or shift > 63:
                raise Invalid("This is not an awareness update.")
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    def string(self) -> str:
        size = self.uint()
        end = self.at + size
        if end > len(self.data):
            raise Invalid("This is not an awareness update.")
        chunk, self.at = self.data[self.at:end], end
        try:
            return chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("This is not an awareness update.") from None


@dataclass
class ClientState:
    clock: int
    state: dict[str, Any] | None  # None: the client has left
    sid: str | None  # the local connection it came from; None when relayed from elsewhere
    at: float


def decode(update: bytes) -> list[tuple[int, int, dict[str, Any] | None]]:
    if len(update) > MAX_UPDATE_BYTES:
        raise Invalid("This awareness update is too large.")
    reader = _Reader(update)
    entries = []
    for _ in range(reader.uint()):
        client, clock = reader.uint(), reader.uint()
        try:
            state = json.loads(reader.string())
        except ValueError:
            raise Invalid("This is not an awareness update.") from None
        entries.append((client, clock, state if isinstance(state, dict) else None))
    return entries


def encode(entries: Sequence[tuple[int, int, dict[str, Any] | None]]) -> bytes:
    out = bytearray()
    _write_uint(out, len(entries))
    for client, clock, state in entries:
        _write_uint(out, client)
        _write_uint(out, clock)
        text = json.dumps(state, separators=(",", ":")).encode()
        _write_uint(out, len(text))
        out += text
    return bytes(out)


class DraftAwareness:
    """The awareness states of one draft's editors, as this process knows them."""

    def __init__(self) -> None:
        self.clients: dict[int, ClientState] = {}

    def from_member(self, update: bytes, sid: str, user: dict[str, Any]) -> bytes:
        """Take a connection's own update; returns the update to relay, user stamped in."""
        accepted = []
        now = time.monotonic()
        for client, clock, state in decode(update):
            known = self.clients.get(client)
            if known is not None and known.sid not in (None, sid):
                raise Invalid("This awareness client belongs to another connection.")
            if state is not None:
                state = {**state, "user": user}
            if known is None or clock >= known.clock:
                self.clients[client] = ClientState(clock, state, sid, now)
            accepted.append((client, clock, state))
        return encode(accepted)

    def from_elsewhere(self, update: bytes) -> None:
        """Take an update another process relayed (it stamped the user already)."""
        now = time.monotonic()
        for client, clock, state in decode(update):
            known = self.clients.get(client)
            if known is None or clock >= known.clock:
                self.clients[client] = ClientState(clock, state, None, now)

    def snapshot(self) -> bytes | None:
        """Everyone present, for a joiner; states nobody renewed lately are forgotten."""
        cutoff = time.monotonic() - OUTDATED_SECONDS
        for client in [c for c, s in self.clients.items() if s.at < cutoff or s.state is None]:
            del self.clients[client]
        if not self.clients:
            return None
        return encode([(c, s.clock, s.state) for c, s in self.clients.items()])

    def gone(self, sid: str) -> bytes | None:
        """The update saying a connection's clients left (None if it had none)."""
        left = [(c, s.clock + 1, None) for c, s in self.clients.items() if s.sid == sid]
        for client, _, _ in left:
            del self.clients[client]
        return encode(left) if left else None
