"""The live board in a real browser: sign-in, live posts and claims, keys, filters, volume."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, rows, search, selected, token
from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser

LIVE_MS = 2000  # "within a second or two"


def test_signing_in_through_the_page_shows_the_board(
    desk: Desk, api: DeskApi, server: DeskServer
) -> None:
    person = api.person()

    page = desk.sign_in(person, "/")

    expect(page).to_have_url(server.url + "/")
    expect(page.locator(".topbar .me")).to_contain_text(person.name)
    expect(page.get_by_role("listbox", name="Threads")).to_be_visible()
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#count")).to_have_text(re.compile(r"^\d+ of \d+$"))


def test_posts_and_claims_reach_every_open_board(desk: Desk, api: DeskApi) -> None:
    anna, ben = api.person(name=f"Anna {token()}"), api.person()
    a, b = desk.sign_in(anna), desk.sign_in(ben)
    text = f"Mein Router blinkt rot {token()}"

    api.ingest(api.webhook_channel(), item(text))

    for page in (a, b):
        expect(card(page, text)).to_be_visible(timeout=LIVE_MS)
        expect(card(page, text)).to_contain_text("unclaimed")

    card(a, text).locator(".excerpt").click()
    card(a, text).get_by_role("button", name="Claim").click()

    expect(card(a, text)).to_contain_text("claimed by you", timeout=LIVE_MS)
    expect(card(b, text)).to_contain_text(f"held by {anna.name}", timeout=LIVE_MS)

    card(b, text).locator(".excerpt").click()
    expect(card(b, text)).to_have_attribute("aria-selected", "true")
    b.keyboard.press("c")

    refusal = b.locator("#board-error")  # above the list, naming the card
    expect(refusal).to_contain_text(anna.name)
    expect(card(b, text)).to_contain_text(f"held by {anna.name}")


def test_keys_move_the_selection_and_open_a_thread(
    desk: Desk, api: DeskApi, server: DeskServer
) -> None:
    person = api.person()
    word = token()
    channel = api.webhook_channel()
    for n in range(3):
        api.ingest(channel, item(f"Frage {n} {word}"))
    page = desk.sign_in(person, "/?sort=activity")  # newest activity first

    search(page, word)

    expect(rows(page)).to_have_count(3)
    expect(rows(page).nth(0)).to_contain_text("Frage 2")  # newest first
    expect(selected(page)).to_contain_text("Frage 2")
    page.keyboard.press("j")
    expect(selected(page)).to_contain_text("Frage 1")
    page.keyboard.press("j")
    expect(selected(page)).to_contain_text("Frage 0")
    page.keyboard.press("j")  # the last card stays selected
    expect(selected(page)).to_contain_text("Frage 0")
    page.keyboard.press("k")
    expect(selected(page)).to_contain_text("Frage 1")
    page.keyboard.press("ArrowUp")
    expect(selected(page)).to_contain_text("Frage 2")
    page.keyboard.press("ArrowDown")
    expect(selected(page)).to_have_count(1)
    # Enter opens the card the person sees highlighted: wait until that is Frage 1.
    expect(selected(page)).to_contain_text("Frage 1")

    page.keyboard.press("Enter")

    opened = api.thread_by_text(person, f"Frage 1 {word}")
    expect(page).to_have_url(f"{server.url}/threads/{opened['id']}")
    expect(page.locator("#messages")).to_contain_text(f"Frage 1 {word}")


def test_search_and_the_unclaimed_filter_change_what_is_shown(desk: Desk, api: DeskApi) -> None:
    person = api.person()
    word = token()
    api.ingest(api.webhook_channel(), item(f"Apfel {word}"), item(f"Banane {word}"))
    page = desk.sign_in(person)

    search(page, word)
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#count")).to_have_text(re.compile(r"^2 of \d+$"))

    search(page, f"banane {word}")
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text(f"Banane {word}")

    search(page, word)
    expect(rows(page)).to_have_count(2)
    card(page, "Banane").locator(".excerpt").click()
    page.keyboard.press("c")
    expect(card(page, "Banane")).to_contain_text("claimed by you", timeout=LIVE_MS)

    page.get_by_label("Unclaimed").check()
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text(f"Apfel {word}")

    page.get_by_label("Unclaimed").uncheck()
    page.get_by_label("Mine").check()
    expect(rows(page)).to_have_count(1)
    expect(rows(page)).to_contain_text(f"Banane {word}")

    search(page, "no post says this " + token())
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()


def test_a_board_of_thousands_renders_only_the_rows_in_view(desk: Desk, api: DeskApi) -> None:
    person = api.person()
    word = token()
    channel = api.webhook_channel()
    page = desk.sign_in(person, "/?sort=activity")  # newest activity first
    total = 2000

    for start in range(0, total, 500):  # arrives live, in webhook batches of 500
        batch = [item(f"Massenpost {n:04d} {word}") for n in range(start, start + 500)]
        api.ingest(channel, *batch)

    expect(card(page, f"Massenpost {total - 1:04d}")).to_be_visible(timeout=10000)
    search(page, word)
    expect(page.locator("#count")).to_have_text(re.compile(rf"^{total} of \d+$"), timeout=10000)
    assert rows(page).count() < 100
    expect(card(page, "Massenpost 0000")).to_have_count(0)

    page.locator("#cards").evaluate("list => { list.scrollTop = list.scrollHeight; }")

    expect(card(page, "Massenpost 0000")).to_be_visible()
    expect(card(page, f"Massenpost {total - 1:04d}")).to_have_count(0)
    assert rows(page).count() < 100

    page.reload()  # the same, loaded at once instead of live
    expect(page.locator("#count")).to_have_text(re.compile(rf"^{total} of \d+$"))
    assert rows(page).count() < 100
    page.keyboard.press("End")
    expect(selected(page)).to_contain_text("Massenpost 0000")


def test_a_board_that_lost_the_server_says_so_and_catches_up(
    desk: Desk, fresh_backend: Backend, tmp_path: Path
) -> None:
    admin_token = prepare(fresh_backend)
    own = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(own.url, admin_token)
    try:
        person, channel = api.person(), api.webhook_channel()
        page = desk.sign_in(person, server=own)
        api.ingest(channel, item("before the outage"))
        expect(card(page, "before the outage")).to_be_visible(timeout=LIVE_MS)

        own.stop()
        expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
        own.start()
        api.ingest(channel, item("posted while the board was away"))

        expect(card(page, "posted while the board was away")).to_be_visible(timeout=15000)
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        api.ingest(channel, item("after the outage"))
        expect(card(page, "after the outage")).to_be_visible(timeout=LIVE_MS)
        expect(rows(page)).to_have_count(3)
    finally:
        api.close()
        own.stop()
