"""Issue 14's dead ends, in Chromium with two people: the escalation round trip of a German
customer, read-only that looks read-only, keys on a filtered list that changes live, and
mentions by keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.i18n import gettext
from tests.browser.conftest import Desk
from tests.browser.helpers import card, rows, selected, token
from tests.fakes.desk import connect_meta, post_meta, wait_until
from tests.fakes.meta_graph import Comment, FakeMeta
from tests.support.desk_api import DeskApi, Person, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def de(message: str, **values: Any) -> str:
    """What a German page says."""
    text = gettext("de", message)
    return text % values if values else text


def approve_on_the_queue(page: Page, customer: str, text: str) -> None:
    """A supervisor approves, on the approvals page, the reply `text` to `customer`."""
    entry = page.locator("#approval-list li.approval", has_text=customer)
    expect(entry.locator("textarea")).to_have_value(text, timeout=LIVE_MS)
    entry.get_by_role("button", name="Approve").click()
    expect(entry).to_have_count(0, timeout=LIVE_MS)


def facebook_comment(api: DeskApi, fake: FakeMeta, author: str, text: str) -> Comment:
    """A customer's comment on a connected Facebook page, delivered by webhook."""
    account = fake.account("facebook")
    channel = connect_meta(api, account)
    comment = fake.comment(account, fake.customer(author), text)
    assert post_meta(api, channel, fake.comment_webhook(comment), account.app_secret).is_success
    return comment


def holder_of(api: DeskApi, person: Person, thread_id: int) -> int | None:
    holder = api.call(person, "GET", f"/api/threads/{thread_id}").json()["thread"]["holder"]
    return holder["id"] if holder else None


def test_a_german_customers_escalation_round_trip(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta) -> None:
    word = token()
    complaint = f"Seit gestern habe ich kein Internet, bitte helfen Sie mir {word}"
    comment = facebook_comment(api, fake_meta, f"Jana {word}", complaint)
    agent, supervisor = api.person(language="de"), api.person("supervisor")
    public_id = api.thread_by_text(agent, word)["id"]

    # Take it private: the holding reply is proposed in German, and the agent edits it.
    page = desk.sign_in(agent, f"/threads/{public_id}")
    panel = page.locator("#escalation")
    holding = panel.locator("textarea.holding-text")
    expect(holding).to_have_value(
        f"Danke, Jana {word}. Wir haben Ihnen eine private Nachricht geschickt.")
    expect(panel.locator("select.holding-language")).to_have_value("de")
    edited = f"Danke, Jana {word}! Wir haben Ihnen privat geschrieben."
    holding.fill(edited)
    panel.locator("form.take-private textarea[name=text]").fill("Hallo Jana, Ihre Kundennummer?")
    panel.locator("form.take-private button[type=submit]").click()
    expect(panel.locator(".escalation-done")).to_have_text(de(
        "The private message is on its way; the public holding reply waits for approval."))
    private_link = panel.get_by_role("link", name=de("private follow-up"))
    private_id = int(private_link.get_attribute("href").rsplit("/", 1)[-1])
    wait_until(lambda: fake_meta.sent_of("private_reply", comment.id), what="the private reply")

    # Back to public while the holding reply still waits: the refusal shows in the panel,
    # and what the agent wrote is still there.
    page.goto(f"{desk.server.url}/threads/{private_id}")
    panel = page.locator("#escalation")
    follow_up = panel.locator("form.back-to-public textarea[name=text]")
    follow_up.fill(f"Das Internet geht wieder, Jana {word}.")
    panel.locator("form.back-to-public button[type=submit]").click()
    expect(panel.locator("p.error")).to_have_text(
        de("A reply on the public thread waits for approval already."))
    expect(follow_up).to_have_value(f"Das Internet geht wieder, Jana {word}.")

    # The supervisor sees what the reply answers (Jana's comment) and approves it.
    queue = desk.sign_in(supervisor, "/approvals")
    entry = queue.locator("#approval-list li.approval", has_text=f"Jana {word}")
    expect(entry.locator(".answering")).to_have_text(f"In answer to Jana {word}:")
    expect(entry.locator("blockquote")).to_have_text(complaint)
    approve_on_the_queue(queue, f"Jana {word}", edited)
    wait_until(lambda: fake_meta.sent_of("public_reply", comment.id), what="the holding reply")
    assert fake_meta.sent_of("public_reply", comment.id)[0].text == edited

    # Back to public again, now through approval too, and the public customer is answered.
    panel.locator("form.back-to-public button[type=submit]").click()
    expect(panel.locator(".escalation-done")).to_have_text(
        de("The public follow-up waits for approval."))
    approve_on_the_queue(queue, f"Jana {word}", f"Das Internet geht wieder, Jana {word}.")
    wait_until(lambda: len(fake_meta.sent_of("public_reply", comment.id)) == 2,
               what="the public follow-up")
    assert fake_meta.sent_of("public_reply", comment.id)[1].text == (
        f"Das Internet geht wieder, Jana {word}.")
    expect(page.locator("#thread-status")).to_have_text(de("resolved"), timeout=LIVE_MS)


def test_someone_elses_thread_looks_read_only_until_they_let_go(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta) -> None:
    word = token()
    facebook_comment(api, fake_meta, f"Kunde {word}", f"Strom weg {word}")
    hanna, viewer = api.person(name=f"Hanna {word}"), api.person()
    thread_id = api.thread_by_text(viewer, word)["id"]
    holds = desk.sign_in(hanna, f"/threads/{thread_id}")
    holds.locator("#thread-action").click()  # Claim
    expect(holds.locator("#thread-holder")).to_have_text("claimed by you")

    page = desk.sign_in(viewer, f"/threads/{thread_id}")
    reason = (f"Hanna {word} holds this thread: only they can act on it until it is released "
              "or taken over.")
    expect(page.locator("#reply-submit")).to_be_disabled()
    expect(page.locator("#reply-reason")).to_have_text(reason)
    expect(page.locator("#status-select")).to_be_disabled()
    expect(page.locator("#hold-reason")).to_have_text(reason)
    take_private = page.locator("#escalation form.take-private")
    expect(take_private.get_by_role("button")).to_be_disabled()
    expect(take_private.locator("textarea[name=text]")).to_be_disabled()
    expect(take_private.locator(".read-only-reason")).to_have_text(reason)
    # The server refuses anyway.
    refused = api.call(viewer, "PATCH", f"/api/threads/{thread_id}", json={"status": "pending"})
    assert refused.status_code == 409

    # Hanna resolves it: that releases her claim, and the viewer may act at once.
    holds.locator("#status-select").select_option("resolved")
    expect(holds.locator("#thread-holder")).to_have_text("unclaimed", timeout=LIVE_MS)
    expect(page.locator("#status-select")).to_be_enabled(timeout=LIVE_MS)
    expect(page.locator("#hold-reason")).to_be_hidden()
    expect(take_private.get_by_role("button")).to_be_enabled()
    expect(page.locator("#reply-submit")).to_be_enabled()


def test_keys_on_a_filtered_list_that_changes_live_hit_the_card_seen(
        desk: Desk, api: DeskApi) -> None:
    word = token()
    channel = api.webhook_channel()
    keys = [f"k{n}-{word}" for n in range(4)]
    for n, key in enumerate(keys):
        api.ingest(channel, item(f"Karte {n} {word}", thread=key))
    agent, other = api.person(), api.person()
    ids = {n: api.thread_by_text(agent, f"Karte {n} {word}")["id"] for n in range(4)}
    page = desk.sign_in(agent, f"/?unclaimed=on&q={word}&sort=activity")
    expect(rows(page)).to_have_count(4)
    page.locator("#cards").focus()
    page.keyboard.press("j")
    expect(selected(page)).to_contain_text(f"Karte 2 {word}")  # newest first: 3, 2, 1, 0

    # While the agent looks at Karte 2, the list changes under it: Karte 0 gets a new
    # message (it moves to the top) and a colleague claims Karte 3 (it leaves the list).
    api.ingest(channel, item(f"Karte 0 schon wieder {word}", thread=keys[0]))
    assert api.call(other, "POST", f"/api/threads/{ids[3]}/claim").status_code == 200
    expect(card(page, f"Karte 3 {word}")).to_have_count(0, timeout=LIVE_MS)
    top = card(page, f"Karte 0 schon wieder {word}")  # rows are placed, not ordered, in the DOM
    expect(top).to_have_attribute("style", re.compile(r"translateY\(0px\)"), timeout=LIVE_MS)
    expect(selected(page)).to_contain_text(f"Karte 2 {word}")

    # c claims the card seen; it leaves the Unclaimed list, and the cursor goes to the card
    # that was below it.
    page.keyboard.press("c")
    expect(card(page, f"Karte 2 {word}")).to_have_count(0, timeout=LIVE_MS)
    expect(selected(page)).to_contain_text(f"Karte 1 {word}")
    page.keyboard.press("c")
    expect(card(page, f"Karte 1 {word}")).to_have_count(0, timeout=LIVE_MS)
    expect(selected(page)).to_contain_text(f"Karte 0 schon wieder {word}")
    # r acts on what is highlighted (unclaimed: nothing to release), never on a card gone.
    page.keyboard.press("r")

    assert holder_of(api, agent, ids[2]) == agent.id
    assert holder_of(api, agent, ids[1]) == agent.id
    assert holder_of(api, agent, ids[0]) is None
    assert holder_of(api, agent, ids[3]) == other.id
    expect(page.locator("#board-error")).to_be_hidden()


def test_mentions_are_picked_by_keyboard_and_unknown_names_warned_about(
        desk: Desk, api: DeskApi) -> None:
    word = token()
    sabine = api.person(name=f"Sabine {word}")
    sarah = api.person(name=f"Sarah {word}")
    writer = api.person()
    api.ingest(api.webhook_channel(), item(f"Paket kaputt {word}"))
    thread_id = api.thread_by_text(writer, word)["id"]
    page = desk.sign_in(writer, f"/threads/{thread_id}")
    note = page.locator("#note-text")
    options = page.locator(".mention-suggestions [role=option]")

    note.press_sequentially(f"Bitte @{word}")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    note.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    note.press("Tab")  # picks the second: Sarah (names are sorted)
    note.press_sequentially("und @Sab")
    expect(options).to_have_count(1)
    note.press("Enter")  # picks, adds no newline
    handles = {p.name: p.email.split("@")[0] for p in (sabine, sarah)}
    expect(note).to_have_value(
        f"Bitte @{handles[sarah.name]} und @{handles[sabine.name]} ")
    expect(page.locator(".mention-suggestions")).to_be_hidden()

    note.press_sequentially("und @Sab")
    note.press("Escape")  # closes the suggestions; the word stays as typed
    page.get_by_role("button", name="Add note").click()
    warning = page.locator("#note-warning")
    expect(warning).to_contain_text("Nobody here is called @Sab.")
    expect(page.locator("#notes li")).to_have_count(0)

    page.get_by_role("button", name="Add note").click()  # saved as it is, on purpose
    expect(page.locator("#notes li")).to_have_count(1)
    expect(page.locator("#notes li")).to_contain_text(sabine.name)
    expect(page.locator("#notes li")).to_contain_text(sarah.name)
    expect(warning).to_be_hidden()
