"""What the desk needs of the bus between its processes; realtime/bus.py implements it.

Only hints ("events up to seq N are committed") and short-lived messages (presence, a
sign-out) travel on it. Declared here so that server/ does not import realtime/: create_app()
chooses the bus (in-process or Redis) and hands it to the Desk.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

BusHandler = Callable[[dict[str, Any]], Awaitable[None]]


class Bus(Protocol):
    async def start(self, on_message: BusHandler) -> None:
        """Hand every message published by any process (this one too) to `on_message`."""
        ...

    async def publish(self, message: dict[str, Any]) -> None: ...

    async def ping(self) -> None:
        """Raise if the bus cannot carry messages now (/readyz asks)."""
        ...

    async def close(self) -> None: ...
