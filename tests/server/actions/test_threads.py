"""server/actions/threads.py: status, priority, tags and contact reason."""

from __future__ import annotations

import pytest

from server.actions.threads import MAX_TAGS, check_tags
from server.errors import Invalid
from server.models import Thread
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import claimed


async def test_an_update_writes_the_fields_and_tells_the_board(desk: InProcessDesk) -> None:
    card = await desk.post()
    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "PATCH", f"/api/threads/{card['id']}", json={
            "priority": "urgent", "tags": [" Billing", "billing", "Outage "], "reason": "refund"})

    assert answer == {"updated": ["priority", "reason", "tags"]}
    shown = got.one("thread.status_changed")["card"]
    assert (shown["priority"], shown["tags"], shown["reason"]) == (
        "urgent", ["billing", "outage"], "refund")
    [audit] = await desk.audits("thread.update")
    assert audit.detail == {"priority": "urgent", "tags": ["billing", "outage"],
                            "reason": "refund"}


async def test_resolving_stops_the_sla_clock(desk: InProcessDesk) -> None:
    card = await desk.post()
    assert card["sla_due_at"] is not None

    await desk.ok(desk.agent, "PATCH", f"/api/threads/{card['id']}", json={"status": "resolved"})

    async with desk.db.read() as session:
        row = await session.get(Thread, card["id"])
    assert row is not None and row.status == "resolved"
    assert row.waiting_since is None and row.sla_due_at is None


async def test_an_update_that_changes_nothing_writes_nothing(desk: InProcessDesk) -> None:
    card = await desk.post()
    before = await desk.footprint()

    await desk.ok(desk.agent, "PATCH", f"/api/threads/{card['id']}",
                  json={"status": card["status"], "priority": "normal"})

    assert await desk.footprint() == before


async def test_a_thread_someone_else_holds_or_a_bad_value_is_refused(
    desk: InProcessDesk
) -> None:
    card = await claimed(desk)
    path = f"/api/threads/{card['id']}"
    await desk.refuses(desk.colleague, "PATCH", path, 409, "claim_held", json={"status": "pending"})
    error = await desk.refuses(desk.agent, "PATCH", path, 400, "invalid",
                               json={"status": "shut"})
    assert "status" in error["message"]
    await desk.refuses(desk.viewer, "PATCH", path, 403, "forbidden", json={"status": "pending"})


def test_tags_are_trimmed_lowercased_deduplicated_and_bounded() -> None:
    assert check_tags(["B", " a ", "b", " "]) == ["a", "b"]
    with pytest.raises(Invalid):
        check_tags([f"tag{n}" for n in range(MAX_TAGS + 1)])
    with pytest.raises(Invalid):
        check_tags(["x" * 41])
