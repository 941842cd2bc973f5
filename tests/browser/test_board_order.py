"""The board's orders and SLA clock filters: service staff see first what breaches first,
the order and filters live in the URL, and the clock filters follow the time."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Desk
from tests.browser.helpers import rows, search, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def shown(page: Page) -> list[str]:
    """The excerpts of the rows, top to bottom (rows are placed by transform, not order)."""
    return page.locator("#cards [role=option]").evaluate_all(
        """rows => rows.map(r => [r._index, r.querySelector('.excerpt').textContent])
                      .sort((a, b) => a[0] - b[0]).map(pair => pair[1])""")


def test_service_staff_see_what_breaches_first_and_can_choose_another_order(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    # A private message's SLA gives 4 hours, a public comment's 1 hour: the older private
    # thread breaches last although it waits longest.
    api.ingest(channel, item(f"privat zuerst {word}", visibility="private"))
    api.ingest(channel, item(f"oeffentlich zweit {word}"))
    api.ingest(channel, item(f"oeffentlich dritt {word}"))
    agent, viewer = api.person(), api.person("viewer")
    board = desk.sign_in(agent, "/")
    watching = desk.sign_in(viewer, "/")

    for page in (board, watching):
        search(page, word)
        expect(rows(page)).to_have_count(3, timeout=LIVE_MS)
    assert shown(board) == [f"oeffentlich zweit {word}", f"oeffentlich dritt {word}",
                            f"privat zuerst {word}"]
    expect(board.get_by_label("Order")).to_have_value("due")
    # Someone who only watches the desk sees the latest activity first.
    expect(watching.get_by_label("Order")).to_have_value("activity")
    assert shown(watching) == [f"oeffentlich dritt {word}", f"oeffentlich zweit {word}",
                               f"privat zuerst {word}"]

    board.get_by_label("Order").select_option("waiting")
    assert shown(board)[0] == f"privat zuerst {word}"
    assert "sort=waiting" in board.url
    board.reload()
    expect(board.get_by_label("Order")).to_have_value("waiting")
    expect(rows(board)).to_have_count(3)
    assert shown(board)[0] == f"privat zuerst {word}"

    # A new comment sorts into its place live: by waiting, after the others.
    api.ingest(channel, item(f"oeffentlich viert {word}"))
    expect(rows(board)).to_have_count(4, timeout=LIVE_MS)
    assert shown(board)[-1] == f"oeffentlich viert {word}"


def test_the_clock_filters_show_what_is_overdue_and_what_is_due_within_15_minutes(
    desk: Desk, api: DeskApi
) -> None:
    word = token()
    channel = api.webhook_channel()
    api.ingest(channel, item(f"privat {word}", visibility="private"))
    api.ingest(channel, item(f"oeffentlich {word}"))
    board = desk.sign_in(api.person(), "/")
    board.clock.install()
    board.reload()
    search(board, word)
    expect(rows(board)).to_have_count(2)

    board.get_by_label("SLA clock").select_option("overdue")
    expect(board.locator("#empty")).to_be_visible()
    board.get_by_label("SLA clock").select_option("soon")
    expect(board.locator("#empty")).to_be_visible()

    board.clock.fast_forward("50:00")  # the public comment is due in 10 minutes now
    expect(rows(board)).to_have_count(1, timeout=LIVE_MS)
    expect(rows(board)).to_contain_text(f"oeffentlich {word}")
    board.clock.fast_forward("11:00")  # and overdue a minute later
    expect(board.locator("#empty")).to_be_visible(timeout=LIVE_MS)
    board.get_by_label("SLA clock").select_option("overdue")
    expect(rows(board)).to_have_count(1, timeout=LIVE_MS)
    expect(rows(board)).to_contain_text(f"oeffentlich {word}")
    assert "clock=overdue" in board.url
