"""Supervisors rename, merge, split and close incidents; everyone can read and filter."""

from __future__ import annotations

from tests.support.incidents import complaints
from tests.support.inprocess import InProcessDesk

DEBIT = "Doppelte Abbuchung vom Konto, Lastschrift zweimal eingezogen"
OUTAGE = "Internet Störung in Verden, Router offline seit Stunden"


async def test_near_duplicates_open_an_incident_and_the_board_filters_by_it(
    desk: InProcessDesk
) -> None:
    async with desk.capture() as got:
        debit = await complaints(desk, DEBIT)
    opened = got.of("incident.changed")[-1]
    assert opened["incident"]["id"] == debit and opened["incident"]["size"] == 4
    assert len(opened["joined"]) == 4
    assert opened["incident"]["title"].startswith("Doppelte Abbuchung")
    unrelated = await desk.post("Wann kommt der Techniker?")
    assert unrelated["incident_id"] is None

    # A new near-duplicate joins live: its card names the incident.
    joining = await desk.post(DEBIT)
    assert joining["incident_id"] == debit
    found = await desk.ok(desk.agent, "GET", "/api/threads", params={"incident": debit})
    assert len(found["threads"]) == 5
    assert {c["incident_id"] for c in found["threads"]} == {debit}
    detail = await desk.ok(desk.agent, "GET", f"/api/incidents/{debit}")
    assert detail["incident"]["size"] == 5 and detail["incident"]["networks"] == ["webhook"]
    assert sum(p["posts"] for p in detail["timeline"]) == 5
    assert detail["samples"][0]["thread_id"] == joining["id"]
    listed = await desk.ok(desk.agent, "GET", "/api/incidents")
    assert [i["id"] for i in listed["incidents"]] == [debit]


async def test_a_supervisor_renames_merges_splits_and_closes(desk: InProcessDesk) -> None:
    debit = await complaints(desk, DEBIT)
    outage = await complaints(desk, OUTAGE)
    assert debit != outage
    path = f"/api/incidents/{debit}"

    renamed = await desk.ok(desk.supervisor, "PATCH", path, json={"title": " Double  debit "})
    assert renamed["incident"]["title"] == "Double debit"

    merged = await desk.ok(desk.supervisor, "POST", f"/api/incidents/{outage}/merge",
                           json={"into": debit})
    assert merged["incident"]["size"] == 8
    gone = await desk.ok(desk.agent, "GET", f"/api/incidents/{outage}")
    assert (gone["incident"]["status"], gone["incident"]["merged_into_id"]) == ("merged", debit)
    threads = (await desk.ok(desk.agent, "GET", "/api/threads",
                             params={"incident": debit}))["threads"]
    assert len(threads) == 8

    outage_threads = [c["id"] for c in threads if "Störung" in c["excerpt"]]
    split = await desk.ok(desk.supervisor, "POST", f"{path}/split",
                          json={"thread_ids": outage_threads, "title": "Outage in Verden"})
    new = split["incident"]
    assert (new["size"], new["title"], new["status"]) == (4, "Outage in Verden", "open")
    left = await desk.ok(desk.agent, "GET", path)
    assert left["incident"]["size"] == 4
    moved = (await desk.ok(desk.agent, "GET", "/api/threads",
                           params={"incident": new["id"]}))["threads"]
    assert sorted(c["id"] for c in moved) == sorted(outage_threads)

    closed = await desk.ok(desk.supervisor, "POST", f"{path}/close")
    assert closed["incident"]["status"] == "closed"
    # A closed incident takes no new posts; its threads keep its name.
    late = await desk.post(DEBIT)
    assert late["incident_id"] != debit
    assert len((await desk.ok(desk.agent, "GET", "/api/threads",
                              params={"incident": debit}))["threads"]) == 4
    assert [a.detail["incident_id"] for a in await desk.audits("incident.close")] == [debit]


async def test_bad_corrections_are_refused_and_change_nothing(desk: InProcessDesk) -> None:
    debit = await complaints(desk, DEBIT)
    path = f"/api/incidents/{debit}"
    await desk.refuses(desk.agent, "PATCH", path, 403, "forbidden", json={"title": "mine"})
    await desk.refuses(desk.supervisor, "PATCH", path, 400, "invalid", json={"title": "   "})
    await desk.refuses(desk.supervisor, "POST", f"{path}/merge", 400, "invalid",
                       json={"into": debit})
    await desk.refuses(desk.supervisor, "POST", "/api/incidents/9999/close", 404, "not_found")
    other = await desk.post("Wann kommt der Techniker?")
    await desk.refuses(desk.supervisor, "POST", f"{path}/split", 400, "invalid",
                       json={"thread_ids": [other["id"]], "title": "x"})
    everything = (await desk.ok(desk.agent, "GET", "/api/threads",
                                params={"incident": debit}))["threads"]
    await desk.refuses(desk.supervisor, "POST", f"{path}/split", 400, "invalid",
                       json={"thread_ids": [c["id"] for c in everything], "title": "all"})
    await desk.ok(desk.supervisor, "POST", f"{path}/close")
    await desk.refuses(desk.supervisor, "POST", f"{path}/close", 409, "conflict")
    detail = await desk.ok(desk.agent, "GET", path)
    assert (detail["incident"]["size"], detail["incident"]["status"]) == (4, "closed")
