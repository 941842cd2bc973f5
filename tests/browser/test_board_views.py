"""Saved board views: save the filters and order under a name, see how many threads each
view shows (live), open one with a click, and find it in the URL and after a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import rows, search, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def test_a_saved_view_counts_its_threads_live_and_opens_with_a_click(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    api.ingest(channel, item(f"Erste Frage {word}"), item(f"Zweite Frage {word}"))
    agent, colleague = api.person(), api.person()
    board = desk.sign_in(agent)
    other = desk.sign_in(colleague)

    search(board, word)
    board.get_by_label("Order").select_option("newest")
    expect(rows(board)).to_have_count(2)
    board.get_by_role("button", name="Save this view").click()
    board.get_by_label("Name of the view").fill(f"Fragen {word}")
    board.get_by_role("button", name="Save", exact=True).click()

    views = board.get_by_role("navigation", name="Saved views")
    view = views.get_by_role("link", name=f"Fragen {word}: 2 threads")
    expect(view).to_be_visible()
    expect(view).to_have_attribute("aria-current", "true")
    api.ingest(channel, item(f"Dritte Frage {word}"))
    expect(views.get_by_role("link", name=f"Fragen {word}: 3 threads")).to_be_visible(
        timeout=LIVE_MS)

    board.locator("#filters input[name=q]").fill("")  # the whole board again
    expect(views.get_by_role("link", name=f"Fragen {word}: 3 threads")).not_to_have_attribute(
        "aria-current", "true")
    views.get_by_role("link", name=f"Fragen {word}: 3 threads").click()
    expect(rows(board)).to_have_count(3)
    expect(board.get_by_label("Order")).to_have_value("newest")
    assert f"q={word}" in board.url and "sort=newest" in board.url

    board.reload()
    expect(board.get_by_role("link", name=f"Fragen {word}: 3 threads")).to_be_visible()
    other.reload()
    expect(other.get_by_role("navigation", name="Saved views").get_by_role("link")).to_have_count(0)

    board.get_by_role("button", name=f"Delete the view Fragen {word}").click()
    expect(board.get_by_role("navigation", name="Saved views").get_by_role("link")).to_have_count(0)
