"""server/actions/approvers.py: handing a waiting approval to a named colleague who may
approve it (four eyes rules out the reply's authors)."""

from __future__ import annotations

from server.models import Approval
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import submitted


async def test_a_supervisor_hands_the_approval_to_a_colleague_who_is_told(
    desk: InProcessDesk
) -> None:
    card, waiting = await submitted(desk, "Thanks, we are on it.")
    approval_id = waiting["approval_id"]

    async with desk.capture() as got:
        answer = await desk.ok(desk.supervisor, "POST",
                               f"/api/approvals/{approval_id}/hand-over",
                               json={"user_id": desk.admin.id})

    assert answer == {"approval_id": approval_id,
                      "handed_to": {"id": desk.admin.id, "name": desk.admin.name}}
    assert (await desk.row(Approval, approval_id)).handed_to_id == desk.admin.id
    assert got.types == ["approval.handed", "notification.approval_handed"]
    handed = got.one("approval.handed")
    assert handed["by"] == {"id": desk.supervisor.id, "name": desk.supervisor.name}
    assert handed["approval"]["id"] == approval_id
    [told] = [e for e in got.events if e["type"] == "notification.approval_handed"]
    assert told["user_id"] == desk.admin.id and told["thread_id"] == card["id"]
    assert told["payload"]["excerpt"] == card["excerpt"]
    [audit] = await desk.audits("reply.hand_over")
    assert audit.thread_id == card["id"]
    assert audit.detail == {"approval_id": approval_id, "to_user_id": desk.admin.id,
                            "by_author": False}
    # Handed to the admin, anyone eligible may still decide.
    decided = await desk.ok(desk.supervisor, "POST", f"/api/approvals/{approval_id}/approve")
    assert decided["status"] == "sent"


async def test_nobody_is_handed_an_approval_they_may_not_decide(desk: InProcessDesk) -> None:
    _, waiting = await submitted(desk, "Our reply")
    path = f"/api/approvals/{waiting['approval_id']}/hand-over"

    # The author (four eyes), someone without reply.approve, someone who does not exist.
    error = await desk.refuses(desk.supervisor, "POST", path, 400, "invalid",
                               json={"user_id": desk.agent.id})
    assert desk.agent.name in error["message"]
    await desk.refuses(desk.supervisor, "POST", path, 400, "invalid",
                       json={"user_id": desk.viewer.id})
    await desk.refuses(desk.supervisor, "POST", path, 400, "invalid",
                       json={"user_id": 99999})
    # Handing over is an approver's act.
    await desk.refuses(desk.agent, "POST", path, 403, "forbidden",
                       json={"user_id": desk.supervisor.id})
    assert (await desk.row(Approval, waiting["approval_id"])).handed_to_id is None


async def test_a_decided_or_unknown_approval_cannot_be_handed_over(desk: InProcessDesk) -> None:
    _, waiting = await submitted(desk, "Decided soon")
    approvals = f"/api/approvals/{waiting['approval_id']}"
    await desk.ok(desk.supervisor, "POST", f"{approvals}/reject", json={"comment": "No."})

    await desk.refuses(desk.supervisor, "POST", f"{approvals}/hand-over", 409, "conflict",
                       json={"user_id": desk.admin.id})
    await desk.refuses(desk.supervisor, "POST", "/api/approvals/99999/hand-over", 404,
                       "not_found", json={"user_id": desk.admin.id})
