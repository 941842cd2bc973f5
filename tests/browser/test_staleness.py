"""A page whose live connection is down says so across the page, with the time since its
last update, and the banner goes once the page is current again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card
from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser


def test_a_board_without_its_server_shows_a_banner_with_the_time_since_its_last_update(
    desk: Desk, fresh_backend: Backend, tmp_path: Path
) -> None:
    admin_token = prepare(fresh_backend)
    own = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(own.url, admin_token)
    try:
        person, channel = api.person(), api.webhook_channel()
        board = desk.sign_in(person, server=own)
        banner = board.locator("#stale-banner")
        api.ingest(channel, item("before the outage"))
        expect(card(board, "before the outage")).to_be_visible()
        expect(banner).to_be_hidden()

        own.stop()
        expect(banner).to_be_visible(timeout=15000)
        expect(banner).to_have_attribute("role", "alert")
        expect(banner).to_contain_text("Not live")
        since = re.compile(r"^Last update \d+s ago \(.+\)\.$")
        expect(banner.locator(".since")).to_have_text(since)
        first = banner.locator(".since").text_content()
        expect(banner.locator(".since")).not_to_have_text(first or "", timeout=5000)  # it ticks

        own.start()
        api.ingest(channel, item("posted while the board was away"))
        expect(card(board, "posted while the board was away")).to_be_visible(timeout=15000)
        expect(banner).to_be_hidden()
    finally:
        api.close()
        own.stop()
