"""The running desk's services, built once in create_app() and shared by every transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from realtime.bus import Bus
from server.crypto import SecretBox
from server.db import Database
from server.settings import Settings

if TYPE_CHECKING:
    from realtime.server import Realtime


@dataclass
class Desk:
    settings: Settings
    db: Database
    bus: Bus
    box: SecretBox
    realtime: Realtime | None = None
    background: list[Any] = field(default_factory=list)
