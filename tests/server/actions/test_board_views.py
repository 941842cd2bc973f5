"""server/actions/board_views.py: saved board views, personal and shared with a team."""

from __future__ import annotations

from server.models import Team, User
from tests.support.inprocess import InProcessDesk


async def join_team(desk: InProcessDesk, *keys: str) -> int:
    async with desk.db.write() as tx:
        team = Team(name="Hotline")
        tx.session.add(team)
        await tx.session.flush()
        for key in keys:
            user = await tx.session.get(User, desk.people[key].id)
            assert user is not None
            user.team_id = team.id
    assert team.id is not None
    return team.id


async def test_a_personal_view_keeps_only_the_boards_parameters_and_only_its_owner_sees_it(
    desk: InProcessDesk,
) -> None:
    saved = await desk.ok(desk.agent, "POST", "/api/views", json={
        "name": "  Overdue   X ", "query": "?sort=due&network=x&clock=overdue"})

    view = saved["view"]
    assert (view["name"], view["query"], view["shared"]) == (
        "Overdue X", "network=x&clock=overdue&sort=due", False)
    assert [v["name"] for v in (await desk.ok(desk.agent, "GET", "/api/views"))["views"]] == [
        "Overdue X"]
    assert (await desk.ok(desk.colleague, "GET", "/api/views"))["views"] == []
    assert [a.detail["query"] for a in await desk.audits("view.save")] == [view["query"]]
    await desk.refuses(desk.colleague, "DELETE", f"/api/views/{view['id']}", 404, "not_found")

    await desk.ok(desk.agent, "DELETE", f"/api/views/{view['id']}")
    assert (await desk.ok(desk.agent, "GET", "/api/views"))["views"] == []


async def test_a_view_shared_with_a_team_is_on_every_members_board(desk: InProcessDesk) -> None:
    await join_team(desk, "agent", "colleague")

    shared = (await desk.ok(desk.agent, "POST", "/api/views", json={
        "name": "Unclaimed", "query": "unclaimed=on", "shared": True}))["view"]

    seen = (await desk.ok(desk.colleague, "GET", "/api/views"))["views"]
    assert [(v["name"], v["shared"], v["mine"]) for v in seen] == [("Unclaimed", True, False)]
    assert (await desk.ok(desk.supervisor, "GET", "/api/views"))["views"] == []
    # A teammate may not delete what another shared; the one who shared it may.
    await desk.refuses(desk.colleague, "DELETE", f"/api/views/{shared['id']}", 403, "forbidden")
    await desk.ok(desk.agent, "DELETE", f"/api/views/{shared['id']}")


async def test_bad_views_are_refused_and_change_nothing(desk: InProcessDesk) -> None:
    await desk.refuses(desk.agent, "POST", "/api/views", 400, "invalid",
                       json={"name": "x", "query": "evil=1&q=a"})
    await desk.refuses(desk.agent, "POST", "/api/views", 400, "invalid",
                       json={"name": "   ", "query": "q=a"})
    await desk.refuses(desk.supervisor, "POST", "/api/views", 400, "invalid",
                       json={"name": "Team", "query": "q=a", "shared": True})  # in no team
