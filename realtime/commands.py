"""Reading a Socket.IO command's data: what every command handler shares."""

from __future__ import annotations

from typing import Any

from server.errors import Invalid


def number(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """An integer field (booleans refused), or None when optional and absent."""
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("%(name)s must be a number.", name=name)
    return value
