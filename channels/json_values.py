"""Reading a network's JSON without trusting its shape.

Each reader answers the value if it has the expected type and an empty one otherwise, so a
payload of an unexpected shape is skipped instead of raising deep inside a parser.
"""

from __future__ import annotations

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
