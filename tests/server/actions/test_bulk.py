"""server/actions/bulk.py: one change to many threads, chunk by chunk, with progress."""

from __future__ import annotations

import pytest

from server.actions import bulk
from server.models import Thread
from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import claimed


async def threads(desk: InProcessDesk, count: int) -> list[int]:
    items = [new_item(f"Frage {n}") for n in range(count)]
    assert (await desk.webhook(items)).status_code == 200
    return [(await desk.card_with(item["text"]))["id"] for item in items]


async def test_a_bulk_status_change_changes_each_thread_once_with_its_event_and_audit(
    desk: InProcessDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await threads(desk, 5)
    monkeypatch.setattr(bulk, "CHUNK", 2)  # three chunks: progress after each
    async with desk.capture() as got:
        done = await desk.ok(desk.agent, "POST", "/api/bulk/status",
                             json={"thread_ids": ids, "status": "resolved", "job": "j1"})
    assert sorted(done["changed"]) == sorted(ids)
    assert done["previous_status"] == {"new": ids}  # nobody has touched them yet
    changed = [e for e in got.events if e["type"] == "thread.status_changed"]
    assert sorted(e["thread_id"] for e in changed) == sorted(ids)
    assert all(e["payload"]["card"]["status"] == "resolved" for e in changed)
    progress = [e["payload"] for e in got.events if e["type"] == "bulk.progress"]
    assert [(p["job"], p["done"], p["total"]) for p in progress] == [
        ("j1", 2, 5), ("j1", 4, 5), ("j1", 5, 5)]
    assert len([a for a in await desk.audits("thread.update") if a.detail.get("bulk")]) == 5

    # The undo: what the answer said each thread was before.
    await desk.ok(desk.agent, "POST", "/api/bulk/status",
                  json={"thread_ids": done["previous_status"]["new"], "status": "new"})
    assert {(await desk.row(Thread, i)).status for i in ids} == {"new"}


async def test_threads_someone_else_holds_are_skipped_not_the_whole_action(
    desk: InProcessDesk
) -> None:
    ids = await threads(desk, 2)
    held = await claimed(desk, "Mein Router", person=desk.colleague)

    done = await desk.ok(desk.agent, "POST", "/api/bulk/priority",
                         json={"thread_ids": [*ids, held["id"]], "priority": "urgent"})

    assert sorted(done["changed"]) == sorted(ids)
    assert done["skipped"] == [{"id": held["id"], "reason": "claim_held"}]
    assert (await desk.row(Thread, held["id"])).priority == "normal"


async def test_bulk_assign_and_tags(desk: InProcessDesk) -> None:
    ids = await threads(desk, 3)
    await desk.ok(desk.supervisor, "POST", "/api/bulk/assign",
                  json={"thread_ids": ids, "user_id": desk.agent.id})
    await desk.ok(desk.agent, "POST", "/api/bulk/tag", json={"thread_ids": ids,
                                                             "tags": ["Outage", "outage "]})
    for thread_id in ids:
        row = await desk.row(Thread, thread_id)
        assert (row.assignee_id, row.tags) == (desk.agent.id, ["outage"])


async def test_bulk_work_is_permission_checked_and_bad_input_changes_nothing(
    desk: InProcessDesk
) -> None:
    ids = await threads(desk, 2)
    await desk.refuses(desk.viewer, "POST", "/api/bulk/status", 403, "forbidden",
                       json={"thread_ids": ids, "status": "resolved"})
    await desk.refuses(desk.agent, "POST", "/api/bulk/status", 400, "invalid",
                       json={"thread_ids": ids, "status": "snoozed"})
    await desk.refuses(desk.agent, "POST", "/api/bulk/assign", 403, "forbidden",
                       json={"thread_ids": ids, "user_id": desk.agent.id})
    await desk.refuses(desk.supervisor, "POST", "/api/bulk/assign", 404, "not_found",
                       json={"thread_ids": ids, "user_id": 999999})
    await desk.refuses(desk.agent, "POST", "/api/bulk/tag", 400, "invalid",
                       json={"thread_ids": [], "tags": ["x"]})


async def test_release_all_lets_go_of_every_claim_of_the_caller_only(desk: InProcessDesk) -> None:
    mine = [await claimed(desk, f"Meins {n}") for n in range(3)]
    theirs = await claimed(desk, "Ihres", person=desk.colleague)

    async with desk.capture() as got:
        done = await desk.ok(desk.agent, "POST", "/api/me/claims/release")

    assert done["released"] == sorted(c["id"] for c in mine)
    assert sorted(e["thread_id"] for e in got.events if e["type"] == "thread.released") == \
        done["released"]
    assert [(await desk.row(Thread, c["id"])).claim_holder_id for c in mine] == [None] * 3
    assert (await desk.row(Thread, theirs["id"])).claim_holder_id == desk.colleague.id
    assert (await desk.ok(desk.agent, "POST", "/api/me/claims/release"))["released"] == []
