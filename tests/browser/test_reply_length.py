"""The reply editor counts the reply the network's way while people write it, refuses a
reply that is too long before it is submitted, and previews it as the network shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.fakes.desk import connect
from tests.fakes.x_api import FakeX
from tests.support.desk_api import DeskApi

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def x_thread(api: DeskApi, fake_x: FakeX, text: str) -> int:
    """A customer's public tweet at a connected X account; returns its thread id."""
    account = fake_x.account()
    channel = connect(api, "x", name=f"X {account.screen_name}", account_id=account.id,
                      access_token=account.token, consumer_secret=account.consumer_secret)
    tweet = fake_x.tweet(fake_x.user(f"Kunde {token()}"), text)
    body, headers = FakeX.signed(fake_x.tweet_webhook(account, tweet), account.consumer_secret)
    assert api.http.post(f"/webhooks/x/{channel}", content=body, headers=headers).is_success
    return int(api.thread_by_text(api.person("admin"), text)["id"])


def test_a_reply_too_long_for_x_is_counted_live_and_refused_before_it_is_submitted(
    desk: Desk, api: DeskApi, fake_x: FakeX
) -> None:
    agent, boss = api.person(), api.person("supervisor")
    text = f"Wo bleibt mein Paket {token()}"
    thread_id = x_thread(api, fake_x, text)
    writer = desk.sign_in(agent, f"/threads/{thread_id}")
    reader = desk.sign_in(boss, f"/threads/{thread_id}")
    writer.get_by_role("button", name="Claim").click()
    draft = writer.get_by_label("Reply draft")
    expect(draft).to_be_editable(timeout=LIVE_MS)

    meter = writer.locator("#reply-length")
    expect(meter).to_have_text("0 / 280 characters on X")
    # A link counts as 23 characters on X however long it is, an emoji as 2.
    draft.press_sequentially("Hallo 👋 https://example.com/" + "a" * 60, delay=5)
    expect(meter).to_have_text("32 / 280 characters on X")
    expect(reader.locator("#reply-length")).to_have_text("32 / 280 characters on X",
                                                         timeout=LIVE_MS)  # the co-editor's count
    preview = writer.locator("#reply-preview")
    preview.locator("summary").click()
    expect(preview.locator(".pv-link")).to_have_text("example.com/aaaaaaaaaa…")
    expect(preview.locator(".pv-over")).to_have_count(0)

    draft.press_sequentially(" " + "Wir kümmern uns darum. " * 11, delay=1)
    expect(meter).to_contain_text("/ 280 characters on X")
    expect(meter).to_contain_text("too many: shorten the reply.")
    expect(preview.locator(".pv-over")).to_be_visible()

    writer.get_by_role("button", name="Send reply").click()
    expect(writer.locator("#reply-bar-error")).to_contain_text(
        "Too long for X: at most 280 characters.")
    assert not api.call(agent, "GET", f"/api/threads/{thread_id}").json()["thread"][
        "awaiting_approval"]

    draft.fill("Hallo, wir kümmern uns darum.")
    expect(meter).to_have_text("29 / 280 characters on X")
    writer.get_by_role("button", name="Send reply").click()
    expect(writer.locator("#toasts")).to_contain_text("Submitted for approval.", timeout=LIVE_MS)
