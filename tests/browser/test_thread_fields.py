"""Priority and tags are set on the thread page, and every board sees them live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def test_priority_and_tags_set_on_the_thread_page_reach_the_board(
    desk: Desk, api: DeskApi
) -> None:
    text = f"Rechnung doppelt {token()}"
    api.ingest(api.webhook_channel(), item(text))
    agent, colleague = api.person(), api.person()
    thread_id = api.thread_by_text(agent, text)["id"]
    page = desk.sign_in(agent, f"/threads/{thread_id}")
    board = desk.sign_in(colleague)
    held = desk.sign_in(colleague, f"/threads/{thread_id}")
    page.get_by_role("button", name="Claim").click()
    expect(held.get_by_label("Priority")).to_be_disabled(timeout=LIVE_MS)  # read-only

    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Tags").fill("Billing, doppelt")
    page.get_by_role("button", name="Save tags").click()

    expect(card(board, text)).to_contain_text("urgent", timeout=LIVE_MS)
    expect(card(board, text)).to_contain_text("billing", timeout=LIVE_MS)
    expect(held.get_by_label("Tags")).to_have_value("billing, doppelt", timeout=LIVE_MS)
    expect(held.get_by_label("Priority")).to_have_value("urgent")
    thread = api.call(agent, "GET", f"/api/threads/{thread_id}").json()["thread"]
    assert (thread["priority"], thread["tags"]) == ("urgent", ["billing", "doppelt"])
