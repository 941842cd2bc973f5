"""The running desk's parts, built once in create_app() and shared by every transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from server.bus import Bus
from server.crypto import SecretBox
from server.db import Database
from server.settings import Settings

if TYPE_CHECKING:
    from channels.registry import Adapters
    from server.actions.channels import ChannelCache
    from server.actions.claims import ClaimCoalescer
    from server.actions.ingest import IngestWriter
    from server.commands.registry import Registry
    from server.services import Services


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

    async def online(self) -> set[int]:
        """The people with a live connection to the desk, on any process."""
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

    async def online(self) -> set[int]:
        return set()

    async def refresh_people(self, user_ids: list[int]) -> None:
        return None


@dataclass
class Desk:
    """Everything a command, route or service uses, passed explicitly: nothing of this lives
    in a module global (server/app.py builds it)."""

    settings: Settings
    db: Database
    bus: Bus
    box: SecretBox
    adapters: Adapters  # the networks' adapters by name
    channels: ChannelCache  # channel rows and opened secrets, for webhooks
    ingest: IngestWriter  # stores what the networks send, a batch per transaction
    claims: ClaimCoalescer  # the claims in flight in this process
    live: LiveConnections = field(default_factory=NoLiveConnections)
    commands: Registry | None = None
    services: Services | None = None
