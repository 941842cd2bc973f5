"""Listening rules, the lane and engaging, through the desk's commands."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.inprocess import InProcessDesk
from tests.support.listening import stored_match

RULES = "/api/listening/rules"


def rule_body(**changes: Any) -> dict[str, Any]:
    return {"brand": "Tandem", "name": "launch", "any_terms": ["#tandemdesk", "tandem desk"],
            "all_terms": [], "none_terms": ["giveaway"], "languages": ["de", "en"],
            "networks": ["mastodon", "x"], **changes}


@pytest.mark.parametrize(("changes", "says"), [
    ({"any_terms": [], "all_terms": []}, "at least one word"),
    ({"none_terms": ["#TandemDesk"]}, "both wanted and excluded"),
    ({"networks": ["myspace"]}, "no network myspace"),
    ({"languages": ["D1"]}, "two-letter code"),
    ({"any_terms": ["#two words"]}, "hashtag"),
    ({"brand": "   "}, "brand and a name"),
])
async def test_a_rule_that_cannot_work_is_refused_and_nothing_changes(
        desk: InProcessDesk, changes: dict[str, Any], says: str) -> None:
    error = await desk.refuses(desk.marketer, "POST", RULES, 400, "invalid",
                               json=rule_body(**changes))
    assert says in error["message"]


async def test_rules_are_saved_listed_and_switched_off(desk: InProcessDesk) -> None:
    made = (await desk.ok(desk.marketer, "POST", RULES, json=rule_body(
        any_terms=["  #tandemdesk ", "tandem   desk", "#tandemdesk"])))["rule"]
    assert made["any_terms"] == ["#tandemdesk", "tandem desk"]
    changed = await desk.ok(desk.marketer, "PUT", f"{RULES}/{made['id']}",
                            json=rule_body(active=False))
    assert changed["rule"]["active"] is False
    listed = (await desk.ok(desk.agent, "GET", RULES))["rules"]
    assert [(r["id"], r["active"]) for r in listed] == [(made["id"], False)]
    await desk.refuses(desk.marketer, "PUT", f"{RULES}/999999", 404, "not_found",
                       json=rule_body())
    await desk.refuses(desk.agent, "POST", RULES, 403, "forbidden", json=rule_body())


async def test_a_match_waits_in_the_lane_until_someone_engages(desk: InProcessDesk) -> None:
    rule = (await desk.ok(desk.marketer, "POST", RULES, json=rule_body(
        any_terms=["tandem"], networks=[], languages=[])))["rule"]
    async with desk.capture() as got:
        match = await stored_match(desk.desk, desk.channel_id, "Tandem saved my launch day!")
    assert [e["type"] for e in got.events] == ["listening.matched"]
    shown = got.events[0]["payload"]["match"]
    assert shown["rules"] == ["launch"] and shown["sentiment_label"] == "positive"
    # Not service backlog: the board has no card of it until someone engages.
    board = await desk.ok(desk.agent, "GET", "/api/threads", params={"status": "all"})
    assert all("Tandem saved my launch day!" not in str(c) for c in board["threads"])
    lane = (await desk.ok(desk.agent, "GET", "/api/listening/matches"))["matches"]
    assert [m["id"] for m in lane] == [match.id]

    engaged = await desk.ok(desk.agent, "POST", f"/api/listening/matches/{match.id}/engage")
    card = await desk.card_with("Tandem saved my launch day!")
    assert card["id"] == engaged["thread_id"] and card["visibility"] == "public"
    assert (await desk.ok(desk.agent, "GET", "/api/listening/matches"))["matches"] == []
    engaged_too = (await desk.ok(desk.agent, "GET", "/api/listening/matches",
                                 params={"engaged": True}))["matches"]
    assert engaged_too[0]["thread_id"] == engaged["thread_id"]
    await desk.refuses(desk.colleague, "POST", f"/api/listening/matches/{match.id}/engage",
                       409, "conflict")

    volume = await desk.ok(desk.supervisor, "GET", "/api/listening/volume",
                           params={"hours": 2, "bucket_minutes": 30})
    mine = next(r for r in volume["rules"] if r["rule_id"] == rule["id"])
    assert mine["total"] == 1 and len(mine["counts"]) == 4 and mine["counts"][-1] == 1
