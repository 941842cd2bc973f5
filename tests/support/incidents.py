"""Incidents made the way the desk makes them: near-duplicate complaints through ingest."""

from __future__ import annotations

from typing import Any

from server.incidents.grouping import SEED_SIZE
from tests.support.inprocess import InProcessDesk, new_item


async def alike(desk: InProcessDesk, text: str, count: int) -> list[dict[str, Any]]:
    """`count` customers post `text` in threads of their own, in one webhook call."""
    items = [new_item(text) for _ in range(count)]
    response = await desk.webhook(items)
    assert response.status_code == 200, response.text
    return items


async def complaints(desk: InProcessDesk, text: str) -> int:
    """Enough near-duplicates of `text` to open an incident; its id."""
    items = await alike(desk, text, SEED_SIZE)
    card = await desk.card_with(items[-1]["text"])
    assert card["incident_id"] is not None, f"{text!r} opened no incident"
    return int(card["incident_id"])
