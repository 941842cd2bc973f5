"""Publishing in Chromium with two people: the marketer composes with the network's rules
shown while typing, the supervisor approves, the marketer drags the post to today in the
calendar, and both see it published with its link."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.fakes.desk import connect, wait_until
from tests.fakes.x_api import FakeX
from tests.support.desk_api import DeskApi

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")


def test_compose_approve_drag_and_see_it_published(desk: Desk, api: DeskApi,
                                                   fake_x: FakeX) -> None:
    account = fake_x.account()
    name = f"X launch {token()}"
    connect(api, "x", name=name, account_id=account.id, access_token=account.token,
            consumer_secret=account.consumer_secret)
    marketer, supervisor = api.person("marketing agent"), api.person("supervisor")
    now = datetime.now(BERLIN)
    soon = (now + timedelta(minutes=2)).replace(second=0, microsecond=0)
    tomorrow = soon + timedelta(days=1)
    text = f"Our launch is live {token()} https://example.com/" + "x" * 60

    writer = desk.sign_in(marketer, "/publishing")
    writer.get_by_label("Account").select_option(label=f"{name} (x)")
    writer.get_by_label("Text").fill(text)
    # The link counts as 23 characters on X, as the network counts it.
    expect(writer.locator("#post-rules")).to_contain_text(
        f"{len(text) - len('https://example.com/' + 'x' * 60) + 23} of 280 characters")
    writer.get_by_label("Publish at").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    writer.get_by_label("Time zone").select_option("Europe/Berlin")
    writer.get_by_label("Campaign tag").fill("launch")
    writer.get_by_role("button", name="Submit for approval").click()
    mine = writer.locator(".post-card", has_text=text[:30])
    expect(mine).to_contain_text("waiting for approval")

    approver = desk.sign_in(supervisor, "/publishing")
    theirs = approver.locator(".post-card", has_text=text[:30])
    theirs.get_by_role("button", name="Approve").click()
    expect(mine).to_contain_text("scheduled")  # the marketer's calendar follows live

    today = soon.strftime("%Y-%m-%d")
    if soon.isocalendar().week == tomorrow.isocalendar().week:
        mine.drag_to(writer.locator(f'.day[data-day="{today}"]'))
    else:  # tomorrow starts another week: move it by keyboard instead
        mine.get_by_role("button", name="A day earlier").click()
    expect(writer.locator(f'.day[data-day="{today}"] .post-card',
                          has_text=text[:30])).to_have_count(1)
    expect(mine).to_contain_text("published", timeout=180_000)
    link = mine.get_by_role("link", name="Open on the network")
    expect(link).to_have_attribute("href", f"https://x.com/i/status/{fake_x_tweet(fake_x, text)}")
    expect(theirs).to_contain_text("published")
    tweets = [t for t in fake_x.tweets.values() if t.text == text]
    assert len(tweets) == 1


def fake_x_tweet(fake: FakeX, text: str) -> str:
    return wait_until(lambda: next((t.id for t in fake.tweets.values() if t.text == text), None),
                      what="the tweet")
