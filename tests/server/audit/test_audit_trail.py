"""The audit trail: audit.list and audit.choices over REST, the /audit page and its CSV,
against rows written at known times."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from server.models.log import AuditEntry
from tests.support.inprocess import InProcessDesk


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


async def _known_rows(desk: InProcessDesk) -> dict[str, int]:
    """Five rows on three days by two people and the desk itself; their ids by a name."""
    rows = {
        "claim": AuditEntry(at=at(2, 9), actor_id=desk.agent.id, action="thread.claim",
                            thread_id=7, detail={"by": "agent"}),
        "release": AuditEntry(at=at(2, 23), actor_id=desk.agent.id, action="thread.release",
                              thread_id=7, detail={}),
        "approve": AuditEntry(at=at(3, 0), actor_id=desk.supervisor.id, action="reply.approve",
                              thread_id=8, detail={"reply_id": 3, "Grund": "ok, \"fertig\""}),
        "ingest": AuditEntry(at=at(3, 12), actor_id=None, action="message.ingest",
                             thread_id=8, detail={}),
        "claim2": AuditEntry(at=at(5, 8), actor_id=desk.supervisor.id, action="thread.claim",
                             thread_id=9, detail={}),
    }
    async with desk.db.write() as tx:
        tx.session.add_all(rows.values())
        await tx.session.flush()
    return {name: row.id for name, row in rows.items()}  # type: ignore[misc]


async def _ids(desk: InProcessDesk, **params: Any) -> list[int]:
    found = await desk.ok(desk.supervisor, "GET", "/api/audit",
                          params={"since": "2026-11-01", "until": "2026-11-30", **params})
    return [e["id"] for e in found["entries"]]


async def test_filters_pick_the_rows_by_person_action_thread_and_period(
        desk: InProcessDesk) -> None:
    ids = await _known_rows(desk)

    assert await _ids(desk) == [ids[n] for n in ("claim2", "ingest", "approve", "release",
                                                 "claim")]
    assert await _ids(desk, person_id=desk.agent.id) == [ids["release"], ids["claim"]]
    assert await _ids(desk, action="thread.claim") == [ids["claim2"], ids["claim"]]
    assert await _ids(desk, thread_id=8) == [ids["ingest"], ids["approve"]]
    # Whole UTC days, the last one included: 23:00 on the 2nd is in, midnight of the 3rd not.
    assert await _ids(desk, since="2026-11-02", until="2026-11-02") == [ids["release"],
                                                                        ids["claim"]]
    assert await _ids(desk, since="2026-11-03", until="2026-11-04") == [ids["ingest"],
                                                                        ids["approve"]]
    assert await _ids(desk, person_id=desk.supervisor.id, action="thread.claim",
                      since="2026-11-04") == [ids["claim2"]]


async def test_entries_name_who_did_it_and_keep_the_detail(desk: InProcessDesk) -> None:
    ids = await _known_rows(desk)

    found = await desk.ok(desk.admin, "GET", "/api/audit", params={"thread_id": 8})

    assert found["entries"] == [
        {"id": ids["ingest"], "at": "2026-11-03T12:00:00.000Z", "actor_id": None,
         "actor_name": None, "action": "message.ingest", "thread_id": 8, "detail": {},
         "request_id": None},
        {"id": ids["approve"], "at": "2026-11-03T00:00:00.000Z",
         "actor_id": desk.supervisor.id, "actor_name": desk.supervisor.name,
         "action": "reply.approve", "thread_id": 8,
         "detail": {"reply_id": 3, "Grund": "ok, \"fertig\""}, "request_id": None}]
    assert found["next_before"] is None


async def test_pages_follow_next_before_to_the_last_row(desk: InProcessDesk) -> None:
    ids = await _known_rows(desk)
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2, "until": "2026-11-30"}
    while True:
        found = await desk.ok(desk.supervisor, "GET", "/api/audit", params=params)
        seen += [e["id"] for e in found["entries"]]
        if found["next_before"] is None:
            break
        assert len(found["entries"]) == 2
        params["before"] = found["next_before"]

    assert seen == sorted(ids.values(), reverse=True)


async def test_a_real_action_shows_in_the_trail(desk: InProcessDesk) -> None:
    card = await desk.post()
    await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/claim")

    found = await desk.ok(desk.supervisor, "GET", "/api/audit",
                          params={"thread_id": card["id"], "person_id": desk.agent.id})

    assert [(e["action"], e["actor_name"]) for e in found["entries"]] == [
        ("thread.claim", desk.agent.name)]
    choices = await desk.ok(desk.supervisor, "GET", "/api/audit/choices")
    assert "thread.claim" in choices["actions"]
    assert {"id": desk.agent.id, "name": desk.agent.name} in choices["people"]


async def test_only_who_may_read_the_trail_reads_it_and_bad_filters_are_refused(
        desk: InProcessDesk) -> None:
    await _known_rows(desk)
    for person in (desk.agent, desk.viewer):
        await desk.refuses(person, "GET", "/api/audit", 403, "forbidden")
        page = await desk.rest(person, "GET", "/audit")
        assert page.status_code == 403
        assert "thread.claim" not in page.text
    error = await desk.refuses(desk.supervisor, "GET", "/api/audit", 400, "invalid",
                               params={"since": "2026-11-05", "until": "2026-11-04"})
    assert "ends before it starts" in error["message"]
    for bad in ({"since": "2026-13-01"}, {"until": "yesterday"}, {"limit": 501},
                {"until": "9999-12-31"}, {"person_id": 0}):
        await desk.refuses(desk.supervisor, "GET", "/api/audit", 400, "invalid", params=bad)


async def test_the_page_shows_the_rows_in_german_and_english(desk: InProcessDesk) -> None:
    ids = await _known_rows(desk)
    for language, title in (("de", "Protokoll"), ("en", "Audit trail")):
        page = await desk.rest(desk.supervisor, "GET", "/audit",
                               params={"thread_id": "8"},
                               headers={"accept-language": language})
        assert page.status_code == 200
        assert f"<h1 id=\"audit-title\">{title}</h1>" in page.text
        assert f'data-id="{ids["approve"]}"' in page.text
        assert f'data-id="{ids["claim"]}"' not in page.text
        assert "/audit.csv?thread_id=8" in page.text
    bad = await desk.rest(desk.supervisor, "GET", "/audit", params={"thread_id": "x"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text


async def test_the_csv_has_every_matching_row_as_the_json_has_it(desk: InProcessDesk) -> None:
    await _known_rows(desk)
    params = {"since": "2026-11-01", "until": "2026-11-30"}

    download = await desk.rest(desk.supervisor, "GET", "/audit.csv", params=params)
    as_json = await desk.ok(desk.supervisor, "GET", "/api/audit", params=params)

    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert len(table) == len(as_json["entries"]) == 5
    for row, entry in zip(table, as_json["entries"], strict=True):
        assert row["id"] == str(entry["id"])
        assert row["at"] == entry["at"]
        assert row["actor_name"] == (entry["actor_name"] or "")
        assert row["action"] == entry["action"]
        assert row["thread_id"] == str(entry["thread_id"])
        assert json.loads(row["detail"]) == entry["detail"]
    refused = await desk.rest(desk.agent, "GET", "/audit.csv")
    assert refused.status_code == 403
