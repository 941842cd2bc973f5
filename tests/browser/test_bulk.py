"""Bulk work on the board in Chromium: a supervisor assigns 200 selected threads at once and
a second board sees it live; an agent picks cards with x and shift-click, resolves them, and
undoes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, rows, selected, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 10000


def test_assigning_200_selected_threads_reaches_another_board_live(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    for start in range(0, 200, 50):
        api.ingest(channel, *[item(f"Stoerung {n:03d} {word}") for n in range(start, start + 50)])
    boss = api.person("supervisor")
    agent = api.person(name=f"Agentin {token()}")
    board = desk.sign_in(boss, f"/?q={word}")
    mine = desk.sign_in(agent, f"/?q={word}&mine=on")
    expect(board.locator("#count")).to_have_text(re.compile(r"^200 of \d+$"))
    expect(mine.locator("#empty")).to_be_visible()

    board.locator("#cards").focus()
    board.keyboard.press("x")  # the highlighted card: the bulk bar opens
    bar = board.get_by_role("region", name="Selected threads")
    expect(bar).to_contain_text("1 selected")
    bar.get_by_role("button", name="Select all in this view").click()
    expect(bar).to_contain_text("200 selected")
    bar.get_by_label("Assign to").select_option(label=agent.name)
    bar.get_by_role("button", name="Assign", exact=True).click()

    expect(bar.locator("#bulk-progress")).to_have_text("200 threads changed.", timeout=LIVE_MS)
    expect(mine.locator("#count")).to_have_text(re.compile(r"^200 of \d+$"), timeout=LIVE_MS)
    expect(rows(mine).first).to_contain_text("assigned to you")
    expect(bar.get_by_role("button", name="Undo")).to_be_hidden()  # only status changes undo


def test_cards_picked_with_x_and_shift_click_are_resolved_together_and_the_undo_brings_them_back(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    api.ingest(channel, *[item(f"Frage {n} {word}") for n in range(5)])
    agent, colleague = api.person(), api.person()
    board = desk.sign_in(agent, f"/?q={word}&sort=activity")
    other = desk.sign_in(colleague, f"/?q={word}")
    expect(rows(board)).to_have_count(5)
    expect(rows(other)).to_have_count(5)

    board.locator("#cards").focus()
    board.keyboard.press("x")  # Frage 4 (newest first)
    board.keyboard.press("j")
    expect(selected(board)).to_contain_text(f"Frage 3 {word}")
    card(board, f"Frage 1 {word}").locator(".excerpt").click(modifiers=["Shift"])  # 3, 2, 1
    bar = board.get_by_role("region", name="Selected threads")
    expect(bar).to_contain_text("4 selected")
    expect(card(board, f"Frage 0 {word}")).to_have_attribute("aria-checked", "false")
    expect(card(board, f"Frage 2 {word}")).to_have_attribute("aria-checked", "true")

    bar.get_by_role("button", name="Resolve").click()
    expect(bar.locator("#bulk-progress")).to_have_text("4 threads changed.", timeout=LIVE_MS)
    for page in (board, other):
        expect(rows(page)).to_have_count(1, timeout=LIVE_MS)
        expect(rows(page)).to_contain_text(f"Frage 0 {word}")

    bar.get_by_role("button", name="Undo").click()
    expect(bar.locator("#bulk-progress")).to_have_text("Undone.", timeout=LIVE_MS)
    for page in (board, other):
        expect(rows(page)).to_have_count(5, timeout=LIVE_MS)


def test_release_all_my_claims_frees_them_on_every_board(desk: Desk, api: DeskApi) -> None:
    word = token()
    api.ingest(api.webhook_channel(), *[item(f"Anliegen {n} {word}") for n in range(3)])
    agent, colleague = api.person(), api.person()
    board = desk.sign_in(agent, f"/?q={word}")  # its live connection keeps the claims
    for n in range(2):
        thread = api.thread_by_text(agent, f"Anliegen {n} {word}")
        assert api.call(agent, "POST", f"/api/threads/{thread['id']}/claim").status_code == 200
    expect(card(board, f"Anliegen 0 {word}")).to_contain_text("claimed by you")
    other = desk.sign_in(colleague, f"/?q={word}&unclaimed=on")
    expect(rows(other)).to_have_count(1)

    board.get_by_role("button", name="Release all my claims").click()

    expect(board.locator("#release-note")).to_have_text("Claims released: 2.", timeout=LIVE_MS)
    expect(rows(other)).to_have_count(3, timeout=LIVE_MS)
    expect(card(board, f"Anliegen 0 {word}")).to_contain_text("unclaimed")
