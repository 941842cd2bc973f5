"""Sending one frame to many boards, and keeping each frame small.

`AsyncServer.emit(to=[...])` encodes once but starts one task per recipient and waits for
all of them, so a command that arrives meanwhile (a claim) waits behind the whole fan-out.
Here the Socket.IO packet is encoded once, wrapped in one Engine.IO packet (which caches its
own encoding), and handed to each connection's send queue through the public
`AsyncServer.send_packet`, a chunk of recipients at a time with the event loop free in between.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from engineio import packet as eio_packet
from engineio.exceptions import EngineIOError
from socketio import packet as sio_packet

from server.db import compact_json

if TYPE_CHECKING:
    from realtime.stream import StreamEvent

NAMESPACE = "/"
CHUNK = 50  # recipients per turn of the event loop
COMPACT_QUERY = ("cards", "newest")  # `?cards=newest` on connect asks for compact batches


def newest_cards(events: Sequence[StreamEvent]) -> list[str]:
    """The events' texts with every card that a later event of the list replaces left out.

    Thread events carry the whole card; within one batch only the newest card of a thread
    matters to a board. An event that lost its card names the event carrying the newer one
    (`card_in`), so a client can hand it that card back.
    """
    carrier: dict[int, int] = {}  # card id -> seq of the newest event that carries it
    out: list[str] = []
    for event in reversed(events):
        newer = carrier.get(event.card_id) if event.card_id is not None else None
        if newer is not None and event.bare is not None:
            out.append(f'{event.bare[:-1]},"card_in":{newer}}}')
        else:
            if event.card_id is not None:
                carrier[event.card_id] = event.seq
            out.append(event.text)
    out.reverse()
    return out


class Sender:
    """Frames for many connections of one Socket.IO server."""

    def __init__(self, sio: Any) -> None:
        self.sio = sio

    def frame(self, event: str, data_json: str) -> eio_packet.Packet:
        """One event whose data is JSON text already: a Socket.IO EVENT packet on the
        default namespace is its type digit and the JSON array [name, data]."""
        encoded = f"{sio_packet.EVENT}[{json.dumps(event)},{data_json}]"
        return eio_packet.Packet(eio_packet.MESSAGE, encoded)

    async def send(self, sids: Iterable[str], frame: eio_packet.Packet) -> None:
        """Queue the frame on each connection; other work runs between chunks."""
        for n, sid in enumerate(sids):
            if n and n % CHUNK == 0:
                await asyncio.sleep(0)
            eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
            if eio_sid is None:
                continue  # gone meanwhile; its disconnect handler cleans up
            try:
                await self.sio.eio.send_packet(eio_sid, frame)
            except EngineIOError:
                continue  # closed meanwhile

    async def emit(self, sids: Sequence[str], event: str, data: Any) -> None:
        if sids:
            await self.send(sids, self.frame(event, compact_json(data)))

    def busy(self, sid: str) -> bool:
        """Is the connection still writing frames queued earlier (a slow reader, or a loop
        too busy to write yet)? Its next frame had better carry more rather than queue up."""
        eio_sid = self.sio.manager.eio_sid_from_sid(sid, NAMESPACE)
        socket = self.sio.eio.sockets.get(eio_sid) if eio_sid is not None else None
        return socket is not None and not socket.queue.empty()

    def wants_compact(self, sid: str) -> bool:
        """Did the client connect with `?cards=newest`?"""
        environ = self.sio.get_environ(sid) or {}
        query = parse_qs(environ.get("QUERY_STRING", ""))
        return COMPACT_QUERY[1] in query.get(COMPACT_QUERY[0], ())
