"""A live list that holds still while the person reads further down, and says how many
threads came in above ("↑ N new"); one click goes back to the top."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000
TOP = re.compile(r"translateY\(0px\)")  # rows are placed, not ordered, in the DOM


def test_posts_arriving_above_the_rows_being_read_are_counted_not_pushed_in(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    api.ingest(channel, *[item(f"Alt {n:02d} {word}") for n in range(40)])
    reader, writer = api.person(), api.person()
    page = desk.sign_in(reader, f"/?q={word}&sort=activity")
    other = desk.sign_in(writer, f"/?q={word}&sort=activity")
    expect(page.locator("#count")).to_contain_text("40 of")
    page.locator("#cards").evaluate("list => { list.scrollTop = 20 * 60; }")
    reading = card(page, f"Alt 19 {word}")
    expect(reading).to_be_visible()
    box = reading.bounding_box()

    api.ingest(channel, *[item(f"Neu {n} {word}") for n in range(3)])

    expect(page.get_by_role("button", name="↑ 3 new")).to_be_visible(timeout=LIVE_MS)
    assert reading.bounding_box() == box  # the row being read did not move
    expect(other.get_by_role("button", name="↑ 3 new")).to_be_hidden()  # at the top: live
    expect(card(other, f"Neu 2 {word}")).to_have_attribute("style", TOP)

    page.get_by_role("button", name="↑ 3 new").click()
    expect(card(page, f"Neu 2 {word}")).to_have_attribute("style", TOP)
    expect(page.get_by_role("button", name="↑ 3 new")).to_be_hidden()
