"""server/actions/availability.py: by hand, and by presence (not seen connected for a
while: away, announced once however many processes sweep; seen again: online)."""

from __future__ import annotations

from datetime import timedelta

from server.actions.availability import mark_away, see_connected
from server.models import utcnow
from tests.support.inprocess import InProcessDesk


async def states(desk: InProcessDesk) -> dict[int, tuple[str, bool]]:
    people = (await desk.ok(desk.viewer, "GET", "/api/availability"))["people"]
    return {p["user"]["id"]: (p["state"], p["by_hand"]) for p in people}


async def test_gone_for_a_while_is_away_once_and_back_online_when_seen(
    desk: InProcessDesk
) -> None:
    for person in (desk.agent, desk.colleague):
        await desk.ok(person, "PUT", "/api/me/availability", json={"state": "online"})
    now = utcnow()
    await see_connected(desk.db, [desk.colleague.id], now + timedelta(minutes=4))

    later = now + timedelta(minutes=6)
    async with desk.capture() as got:
        assert await mark_away(desk.db, timedelta(minutes=5), later) == 1
        assert await mark_away(desk.db, timedelta(minutes=5), later) == 0  # another process
    [away] = got.of("availability.changed")
    assert (away["user"]["id"], away["state"], away["by_hand"]) == (desk.agent.id, "away", False)
    assert (await states(desk))[desk.colleague.id] == ("online", True)  # seen in time

    async with desk.capture() as got:
        await see_connected(desk.db, [desk.agent.id, desk.viewer.id], later)
    assert [(e["user"]["id"], e["state"]) for e in got.of("availability.changed")] == [
        (desk.agent.id, "online")]  # never set stays offline
    shown = await states(desk)
    assert shown[desk.agent.id] == ("online", False)
    assert shown[desk.viewer.id] == ("offline", False)


async def test_what_was_set_by_hand_other_than_online_stays(desk: InProcessDesk) -> None:
    await desk.ok(desk.agent, "PUT", "/api/me/availability", json={"state": "busy"})
    now = utcnow() + timedelta(hours=1)
    assert await mark_away(desk.db, timedelta(minutes=5), now) == 0
    await see_connected(desk.db, [desk.agent.id], now)
    assert (await states(desk))[desk.agent.id] == ("busy", True)
