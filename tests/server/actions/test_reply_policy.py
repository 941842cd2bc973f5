"""server/actions/reply_policy.py: which replies need approval; crisis mode."""

from __future__ import annotations

from typing import Any

import pytest

from server.actions.reply_policy import DEFAULT_POLICY, check_policy, policy_requires
from server.errors import Invalid
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import claimed, write_draft


def requires(policy: dict[str, Any], **facts: Any) -> bool:
    given = {"network": "x", "visibility": "public", "role": "service agent", "team_id": None}
    return policy_requires(policy, **{**given, **facts})


def test_the_first_matching_rule_decides_then_the_default() -> None:
    policy = check_policy({"default": {"public": True, "private": False}, "rules": [
        {"network": "x", "role": "supervisor", "require": False},
        {"visibility": "private", "team_id": 3, "require": True}]})

    assert requires(policy, role="supervisor") is False
    assert requires(policy) is True
    assert requires(policy, visibility="private", team_id=3) is True
    assert requires(policy, visibility="private") is False
    assert requires(DEFAULT_POLICY) is True


@pytest.mark.parametrize("bad", [
    [], {"default": {"public": "yes"}}, {"rules": [{"network": "x"}]},
    {"rules": [{"require": True, "colour": "red"}]}, {"rules": [{"require": True, "team_id": "3"}]},
    {"rules": [{"require": True, "visibility": "secret"}]},
])
def test_a_malformed_policy_is_refused(bad: Any) -> None:
    with pytest.raises(Invalid):
        check_policy(bad)


async def test_a_policy_set_over_rest_decides_the_next_submit(desk: InProcessDesk) -> None:
    answer = await desk.ok(desk.supervisor, "PUT", "/api/approval-policy", json={
        "default": {"public": False, "private": False}})
    assert answer["policy"] == {"default": {"public": False, "private": False}, "rules": [],
                                "corrections": "author"}
    card = await claimed(desk)
    await write_draft(desk, card["id"], "Straight out")

    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")

    assert sent["status"] == "sent"
    await desk.refuses(desk.agent, "PUT", "/api/approval-policy", 403, "forbidden",
                       json={"default": {"public": True}})


async def test_crisis_mode_puts_every_public_reply_up_for_approval(desk: InProcessDesk) -> None:
    await desk.ok(desk.supervisor, "PUT", "/api/approval-policy", json={
        "default": {"public": False, "private": False}})
    async with desk.capture() as got:
        state = await desk.ok(desk.supervisor, "POST", "/api/crisis",
                              json={"on": True, "message": "  outage   in the north "})

    assert state["crisis"]["message"] == "outage in the north"
    changed = got.one("crisis.changed")
    assert changed["on"] is True and changed["by"]["id"] == desk.supervisor.id
    card = await claimed(desk)
    await write_draft(desk, card["id"], "Careful now")
    waiting = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")
    assert waiting["status"] == "pending"

    off = await desk.ok(desk.supervisor, "POST", "/api/crisis", json={"on": False,
                                                                      "message": "kept?"})
    assert off["crisis"]["on"] is False and off["crisis"]["message"] == ""
    assert (await desk.ok(desk.viewer, "GET", "/api/crisis"))["crisis"]["on"] is False
