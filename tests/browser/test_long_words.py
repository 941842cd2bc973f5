"""Long unbroken words (a 190-character author name, a template body without spaces) wrap
or are cut short: no page grows wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import VIEWPORT, Desk
from tests.browser.helpers import card, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# The elements that reach past the window's right edge, to name what is too wide.
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 8).map(el => el.tagName + "." + el.className + " " +
                   Math.round(el.getBoundingClientRect().width))"""


def assert_fits(page: Page, where: str) -> None:
    page.wait_for_load_state("networkidle")
    scroll_width, window_width = page.evaluate(WIDTH)
    assert window_width == VIEWPORT["width"]
    assert scroll_width <= window_width, (
        f"{where} is {scroll_width} px wide: {page.evaluate(TOO_WIDE)}")


def test_long_words_wrap_on_the_board_the_thread_and_the_templates(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    long_name = ("Kundin" + word + "x" * 190)[:190]
    long_word = "Paket" + "y" * 600
    api.ingest(api.webhook_channel("z" * 100), item(
        f"{word} {long_word}", thread=f"conv-{word}",
        author={"id": f"long-{word}", "name": long_name}))
    made = api.http.post("/api/templates", headers=api.admin, json={
        "name": f"{word}{'n' * 100}", "language": "en", "body": "Vorlage" + "w" * 5000})
    assert made.status_code == 201, made.text
    supervisor = api.person("supervisor")
    thread = api.thread_by_text(supervisor, word)

    page = desk.sign_in(supervisor)
    expect(card(page, word)).to_be_visible()
    assert_fits(page, "the board")

    page.goto(desk.server.url + f"/threads/{thread['id']}")
    expect(page.locator("#messages .message")).to_have_count(1)
    assert_fits(page, "the thread page")

    page.goto(desk.server.url + "/templates")
    expect(page.get_by_text(word, exact=False).first).to_be_visible()
    assert_fits(page, "the templates page")
