"""Publishing through the desk's commands: compose with the network's rules, four eyes,
moving a post in the calendar, pausing all and resuming only when asked."""

from __future__ import annotations

from typing import Any

from tests.fakes.x_api import FakeX
from tests.support.inprocess import InProcessDesk
from tests.support.publishing import compose_body, x_channel

POSTS = "/api/posts"


async def composed(desk: InProcessDesk, channel_id: int, **changes: Any) -> dict[str, Any]:
    return (await desk.ok(desk.marketer, "POST", POSTS,
                          json=compose_body(channel_id, **changes)))["post"]


async def test_bad_times_zones_and_channels_are_refused_and_nothing_changes(
        network_desk: InProcessDesk, fake_x: FakeX) -> None:
    desk = network_desk
    channel_id = await x_channel(desk.desk, fake_x)
    for changes, says in (({"publish_at": "tomorrow"}, "ISO 8601"),
                          ({"publish_at": "2030-06-01T09:00:00"}, "ISO 8601"),
                          ({"time_zone": "Mars/Olympus"}, "time zone"),
                          ({"channel_id": desk.channel_id}, "cannot be published")):
        error = await desk.refuses(desk.marketer, "POST", POSTS, 400, "invalid",
                                   json={**compose_body(channel_id), **changes})
        assert says in error["message"]
    await desk.refuses(desk.agent, "POST", POSTS, 403, "forbidden",
                       json=compose_body(channel_id))


async def test_the_networks_rules_are_shown_and_checked_on_submit(
        network_desk: InProcessDesk, fake_x: FakeX) -> None:
    desk = network_desk
    rules = {n["network"]: n for n in
             (await desk.ok(desk.marketer, "GET", f"{POSTS}/networks"))["networks"]}
    assert rules["x"]["max_chars"] == 280 and rules["x"]["link_chars"] == 23
    assert rules["mastodon"]["max_chars"] == 500
    channel_id = await x_channel(desk.desk, fake_x)
    # A long link counts as 23 characters on X: this fits.
    fits = await composed(desk, channel_id,
                          text="x" * 250 + " https://example.com/" + "a" * 100)
    await desk.ok(desk.marketer, "POST", f"{POSTS}/{fits['id']}/submit")
    too_long = await composed(desk, channel_id, text="y" * 281)
    error = await desk.refuses(desk.marketer, "POST", f"{POSTS}/{too_long['id']}/submit",
                               400, "invalid")
    assert "at most 280 characters" in error["message"]


async def test_four_eyes_and_the_calendars_drag(network_desk: InProcessDesk,
                                                fake_x: FakeX) -> None:
    desk = network_desk
    channel_id = await x_channel(desk.desk, fake_x)
    post = await composed(desk, channel_id)
    await desk.ok(desk.marketer, "POST", f"{POSTS}/{post['id']}/submit")
    await desk.refuses(desk.marketer, "POST", f"{POSTS}/{post['id']}/approve", 403,
                       "forbidden")  # a marketer approves nothing
    approved = (await desk.ok(desk.supervisor, "POST",
                              f"{POSTS}/{post['id']}/approve"))["post"]
    assert approved["status"] == "approved" and approved["approved_by"]["name"]
    moved = (await desk.ok(desk.marketer, "PATCH", f"{POSTS}/{post['id']}",
                           json={"publish_at": "2030-06-03T18:00:00-04:00"}))["post"]
    assert moved["status"] == "approved" and moved["publish_at"] == "2030-06-03T22:00:00.000Z"
    rewritten = (await desk.ok(desk.marketer, "PATCH", f"{POSTS}/{post['id']}",
                               json={"text": "new words"}))["post"]
    assert rewritten["status"] == "draft" and rewritten["approved_by"] is None
    calendar = (await desk.ok(desk.agent, "GET", POSTS,
                              params={"since": "2030-06-01T00:00:00Z", "days": 7}))["posts"]
    assert [p["id"] for p in calendar] == [post["id"]]

    own = await composed(desk, channel_id)
    # An admin may write and approve posts, but not their own.
    admins = (await desk.ok(desk.admin, "POST", POSTS, json=compose_body(channel_id)))["post"]
    await desk.ok(desk.admin, "POST", f"{POSTS}/{admins['id']}/submit")
    await desk.refuses(desk.admin, "POST", f"{POSTS}/{admins['id']}/approve", 403,
                       "four_eyes")
    assert own["status"] == "draft"


async def test_pause_all_and_a_resume_that_asks(network_desk: InProcessDesk,
                                                fake_x: FakeX) -> None:
    desk = network_desk
    channel_id = await x_channel(desk.desk, fake_x)
    post = await composed(desk, channel_id)
    paused = await desk.ok(desk.supervisor, "POST", "/api/publishing/pause",
                           json={"reason": "a storm"})
    assert paused["paused"] >= 1
    error = await desk.refuses(desk.supervisor, "POST", "/api/publishing/resume", 409,
                               "conflict", json={})
    assert "Confirm to resume" in error["message"]
    resumed = await desk.ok(desk.supervisor, "POST", "/api/publishing/resume",
                            json={"confirm": True})
    assert resumed["resumed"] >= 1 and resumed["overdue"] == []
    calendar = (await desk.ok(desk.agent, "GET", POSTS,
                              params={"since": "2030-05-31T00:00:00Z"}))["posts"]
    assert not next(p for p in calendar if p["id"] == post["id"])["paused"]
