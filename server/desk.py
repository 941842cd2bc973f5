"""The running desk's services, built once in create_app() and shared by every transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from realtime.bus import Bus
from server.crypto import SecretBox
from server.db import Database
from server.settings import Settings

if TYPE_CHECKING:
    from server.commands.registry import Registry


class LiveConnections(Protocol):
    """What commands need of the live side (realtime/), which create_app() plugs in."""

    def stream_position(self) -> int:
        """How far this process's event stream has read: a list read after this call is at
        least as new as the number returned."""
        ...

    async def flush_draft(self, thread_id: int) -> None:
        """Store this process's unsaved keystrokes of a draft before its text is read."""
        ...

    async def sign_out(self, user_id: int) -> None:
        """Close a deactivated person's live connections, in every process."""
        ...

    async def refresh_people(self, user_ids: list[int]) -> None:
        """Reload these people's role and permissions on their live connections, in every
        process (after a role change; the next socket command is judged by the new role)."""
        ...


class NoLiveConnections:
    """The desk without a realtime side (commands run from scripts and the CLI)."""

    def stream_position(self) -> int:
        return 0

    async def flush_draft(self, thread_id: int) -> None:
        return None

    async def sign_out(self, user_id: int) -> None:
        return None

    async def refresh_people(self, user_ids: list[int]) -> None:
        return None


@dataclass
class Desk:
    settings: Settings
    db: Database
    bus: Bus
    box: SecretBox
    live: LiveConnections = field(default_factory=NoLiveConnections)
    commands: Registry | None = None
    background: list[Any] = field(default_factory=list)
