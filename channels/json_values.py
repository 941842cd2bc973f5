"""Reading a network's JSON without trusting its shape.

Each reader answers the value if it has the expected type and an empty one otherwise, so a
payload of an unexpected shape is skipped instead of raising deep inside a parser.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def short_str(value: Any) -> str | None:
    """A non-blank string of at most 255 characters (an id, a name, a type); ids that come
    as numbers are answered as their digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value.strip() and len(value) <= 255 else None


def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def obj_list(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (anything else in it is left out)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def iso_moment(value: Any) -> datetime | None:
    """An ISO 8601 time (a trailing "Z" included) in UTC; one without a zone is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
