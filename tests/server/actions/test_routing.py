"""server/actions/routing.py and assignment.py: rules in order give a new thread its team,
priority and tags with the rule's name on the card; the team's available members with room
and the skills get it, round robin."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import InProcessDesk, new_item
from tests.support.scenes import new_person


async def team(desk: InProcessDesk, name: str = "Billing", capacity: int = 2,
               auto_assign: bool = True) -> int:
    made = await desk.ok(desk.admin, "POST", "/api/teams", json={
        "name": name, "auto_assign": auto_assign, "capacity": capacity})
    return made["team"]["id"]


async def member(desk: InProcessDesk, team_id: int, state: str = "online", **skills: Any
                 ) -> Any:
    person = await new_person(desk)
    await desk.ok(desk.admin, "PUT", f"/api/teams/{team_id}/members/{person.id}", json=skills)
    await desk.ok(person, "PUT", "/api/me/availability", json={"state": state})
    return person


async def rule(desk: InProcessDesk, name: str, team_id: int | None, position: int = 0,
               **fields: Any) -> dict[str, Any]:
    return (await desk.ok(desk.admin, "POST", "/api/routing-rules", json={
        "name": name, "team_id": team_id, "position": position, **fields}))["rule"]


async def test_the_first_matching_rule_routes_and_says_so_on_the_card(
    desk: InProcessDesk
) -> None:
    billing = await team(desk, auto_assign=False)
    await rule(desk, "Everything else", None, position=9, tags=["general"],
               conditions={"words": None, "vip": None})  # not set: any
    await rule(desk, "Billing DE", billing, position=1, priority="high", tags=["billing"],
               conditions={"words": ["Rechnung"], "languages": ["de"],
                           "visibility": ["public"]})

    async with desk.capture() as got:
        await desk.webhook([new_item("Meine RECHNUNG ist doppelt abgebucht worden, bitte prüfen")])
    routed = got.one("thread.opened")["card"]
    other = await desk.post("Where is my parcel? It should have arrived yesterday.")

    assert (routed["team_id"], routed["priority"], routed["tags"], routed["routed_by"]) == (
        billing, "high", ["billing"], "Billing DE")
    assert routed["assignee"] is None  # the team assigns by hand
    assert (other["team_id"], other["tags"], other["routed_by"]) == (
        None, ["general"], "Everything else")


async def test_a_rule_on_the_customer_needs_a_vip(desk: InProcessDesk) -> None:
    vips = await team(desk, "VIP", auto_assign=False)
    await rule(desk, "VIP", vips, conditions={"vip": True}, priority="urgent")
    first = new_item("Hallo, ich brauche Hilfe mit meinem Vertrag")
    await desk.webhook([first])
    plain = await desk.card_with("Hallo, ich brauche Hilfe")
    await desk.ok(desk.agent, "PATCH", f"/api/customers/{plain['customer_id']}",
                  json={"vip": True})

    await desk.webhook([new_item("Und noch eine Frage zum Vertrag", author=first["author"])])

    vip = await desk.card_with("Und noch eine Frage")
    assert (plain["team_id"], plain["routed_by"]) == (None, None)
    assert (vip["team_id"], vip["priority"], vip["routed_by"]) == (vips, "urgent", "VIP")


async def test_round_robin_among_available_members_with_room_and_skills(
    desk: InProcessDesk
) -> None:
    billing = await team(desk, capacity=2)
    await rule(desk, "Billing", billing, conditions={"words": ["rechnung"]})
    anna, ben = await member(desk, billing), await member(desk, billing)
    await member(desk, billing, state="away")
    await member(desk, billing, languages=["en"])  # the posts are German
    await member(desk, billing, supervisor=True)

    await desk.webhook([new_item(f"Rechnung Nummer {n} ist falsch berechnet worden")
                        for n in range(5)])

    board = await desk.ok(desk.admin, "GET", "/api/threads", params={"team": billing})
    owners = sorted((c["assignee"] or {}).get("id", 0) for c in board["threads"])
    # Two each (their capacity), taking turns; the fifth waits in the team's queue.
    assert owners == sorted([0, anna.id, anna.id, ben.id, ben.id])
    first_two = sorted(board["threads"], key=lambda c: c["id"])[:2]
    assert {c["assignee"]["id"] for c in first_two} == {anna.id, ben.id}


async def test_bad_rules_and_members_are_refused_and_change_nothing(
    desk: InProcessDesk
) -> None:
    before = await desk.footprint()
    await desk.refuses(desk.admin, "POST", "/api/routing-rules", 404, "not_found",
                       json={"name": "Lost", "team_id": 999})
    await desk.refuses(desk.admin, "POST", "/api/routing-rules", 400, "invalid",
                       json={"name": "Odd", "conditions": {"sentiments": ["furious"]}})
    await desk.refuses(desk.admin, "PUT", f"/api/teams/999/members/{desk.agent.id}", 404,
                       "not_found", json={})
    await desk.refuses(desk.agent, "POST", "/api/teams", 403, "forbidden",
                       json={"name": "Mine"})
    await desk.refuses(desk.agent, "PUT", "/api/me/availability", 400, "invalid",
                       json={"state": "asleep"})
    assert await desk.footprint() == before


async def test_availability_is_listed_and_announced(desk: InProcessDesk) -> None:
    async with desk.capture() as got:
        await desk.ok(desk.agent, "PUT", "/api/me/availability", json={"state": "busy"})

    changed = got.one("availability.changed")
    assert (changed["user"]["id"], changed["state"], changed["by_hand"]) == (
        desk.agent.id, "busy", True)
    people = (await desk.ok(desk.viewer, "GET", "/api/availability"))["people"]
    states = {p["user"]["id"]: p["state"] for p in people}
    assert states[desk.agent.id] == "busy" and states[desk.colleague.id] == "offline"
