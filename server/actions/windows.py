"""The networks' windows: how long a private reply or a message is still possible.

Meta allows one private reply to a comment within 7 days of it, and messages within 24 hours
of the customer's last message; X has no window. A deadline is shown even after it passed
(the board says "closed"); None means the network has no such window or it does not apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from channels.base import Capabilities
from channels.registry import takes_window_templates, window_template
from server.errors import Conflict
from server.models.time import iso


def aware(moment: datetime) -> datetime:
    """The database may hand back naive UTC datetimes (SQLite)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class Windows:
    private_reply_until: datetime | None = None
    message_window_until: datetime | None = None

    def as_card_fields(self) -> dict[str, str | None]:
        return {"private_reply_until": iso(self.private_reply_until),
                "message_window_until": iso(self.message_window_until)}


def windows(caps: Capabilities | None, visibility: str, private_thread_id: int | None,
            customer_last_at: datetime | None) -> Windows:
    """Deadlines for a thread, from the customer's newest message in it."""
    if caps is None or customer_last_at is None:
        return Windows()
    last = aware(customer_last_at)
    days = caps.private_reply_window_days
    if visibility == "public":
        if caps.private_reply_to_public and days and not private_thread_id:
            return Windows(private_reply_until=last + timedelta(days=days))
        return Windows()
    if caps.message_window_hours:
        return Windows(message_window_until=last + timedelta(hours=caps.message_window_hours))
    return Windows()


def closed_window_template(adapter: str, config: Mapping[str, Any], hours: int) -> str | None:
    """What a reply becomes once the window closed: the channel's template, or None where
    the network takes nothing then. A channel whose network takes a template but that has
    none set is refused here, with what to do."""
    if not takes_window_templates(adapter):
        return None
    if name := window_template(adapter, config):
        return name
    raise Conflict(
        "The %(hours)d-hour window is closed, and the network then takes only an approved "
        "message template, which this channel does not have. An admin can connect the "
        "channel again with one; or wait for the customer to write.", hours=hours)
