"""A thread page in a real browser: presence, typing, live messages, claim and status."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 2000


def test_viewers_typing_and_new_messages_show_live(desk: Desk, api: DeskApi) -> None:
    anna, ben = api.person(name=f"Anna {token()}"), api.person(name=f"Ben {token()}")
    word = token()
    channel = api.webhook_channel()
    customer = {"id": f"customer-{word}", "name": f"Kundin {word}"}
    api.ingest(channel, item(f"Erste Nachricht {word}", thread=f"conv-{word}", author=customer))
    thread = api.thread_by_text(anna, word)
    path = f"/threads/{thread['id']}"
    a = desk.sign_in(anna, path)
    expect(a.locator("#messages .message")).to_have_count(1)
    expect(a.locator("#presence")).to_be_hidden()  # nobody else is here yet

    b = desk.sign_in(ben, path)

    expect(a.locator("#presence")).to_contain_text(ben.name, timeout=LIVE_MS)
    expect(b.locator("#presence")).to_contain_text(anna.name, timeout=LIVE_MS)
    expect(a.locator("#presence")).not_to_contain_text("typing")

    reply = b.get_by_label("Reply draft")
    expect(reply).to_be_editable()  # once the shared draft has opened
    reply.press_sequentially("Hallo Frau", delay=30)

    expect(a.locator("#presence")).to_contain_text(f"{ben.name} typing", timeout=LIVE_MS)

    api.ingest(channel, item(f"Zweite Nachricht {word}", thread=f"conv-{word}", author=customer))

    messages = a.locator("#messages .message")
    expect(messages).to_have_count(2, timeout=LIVE_MS)
    expect(messages.nth(1)).to_contain_text(f"Zweite Nachricht {word}")
    expect(messages.nth(1)).to_contain_text(customer["name"])
    expect(b.locator("#messages .message")).to_have_count(2, timeout=LIVE_MS)

    b.close()
    expect(a.locator("#presence")).to_be_hidden(timeout=LIVE_MS)


def test_claim_release_take_over_and_status_on_the_thread_page(desk: Desk, api: DeskApi) -> None:
    agent = api.person(name=f"Agent {token()}")
    boss = api.person("supervisor", name=f"Boss {token()}")
    word = token()
    api.ingest(api.webhook_channel(), item(f"Bitte helfen {word}"))
    thread = api.thread_by_text(agent, word)
    path = f"/threads/{thread['id']}"
    a, s = desk.sign_in(agent, path), desk.sign_in(boss, path)
    for page in (a, s):
        expect(page.locator("#thread-holder")).to_have_text("unclaimed")
        expect(page.locator("#take-over")).to_be_hidden()

    a.get_by_role("button", name="Claim").click()

    expect(a.locator("#thread-holder")).to_have_text("claimed by you", timeout=LIVE_MS)
    expect(a.get_by_role("button", name="Release")).to_be_visible()
    expect(s.locator("#thread-holder")).to_have_text(f"held by {agent.name}", timeout=LIVE_MS)
    expect(s.get_by_role("button", name="Claim")).to_be_hidden()
    expect(s.get_by_role("button", name="Take over")).to_be_visible()

    s.get_by_role("button", name="Take over").click()

    expect(s.locator("#thread-holder")).to_have_text("claimed by you", timeout=LIVE_MS)
    expect(a.locator("#thread-holder")).to_have_text(f"held by {boss.name}", timeout=LIVE_MS)
    expect(a.locator("#toasts")).to_contain_text(f"{boss.name} took over")
    expect(a.get_by_role("button", name="Take over")).to_be_hidden()  # agents may not

    s.get_by_label("Status").select_option("waiting")

    expect(a.locator("#thread-status")).to_have_text("waiting on customer", timeout=LIVE_MS)
    expect(a.get_by_label("Status")).to_have_value("waiting")

    s.get_by_label("assigned to").select_option(label=agent.name)

    expect(a.locator("#thread-assignee")).to_have_text("assigned to you", timeout=LIVE_MS)
    expect(a.get_by_label("assigned to")).to_have_count(0)  # agents do not assign

    s.get_by_role("button", name="Release").click()
    expect(a.locator("#thread-holder")).to_have_text("unclaimed", timeout=LIVE_MS)
    expect(a.get_by_role("button", name="Claim")).to_be_visible()
