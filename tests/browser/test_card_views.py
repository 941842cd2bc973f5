"""The board and the thread page draw one thread's card alike, first and after live changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 3000
# The parts both pages draw (a board row leaves out an open thread's status badge).
PARTS = ("holder", "assignee", "visibility", "priority", "approval", "linked")


def row_parts(board: Page, text: str) -> dict[str, Locator]:
    row = card(board, text)
    return {
        "holder": row.locator(".holder"), "assignee": row.locator(".assignee"),
        "visibility": row.locator(".badge[class*=vis-]"),
        "priority": row.locator(".badge[class*=prio-]"),
        "approval": row.locator(".awaiting-approval"), "linked": row.locator(".linked"),
    }


def head_parts(thread: Page) -> dict[str, Locator]:
    return {part: thread.locator(f"#thread-{part}") for part in PARTS}


def shown(part: Locator) -> str | None:
    """What a part says, or None when it is hidden."""
    return part.inner_text().strip() if part.is_visible() else None


def assert_alike(board: Page, text: str, thread: Page) -> None:
    row, head = row_parts(board, text), head_parts(thread)
    assert {p: shown(row[p]) for p in PARTS} == {p: shown(head[p]) for p in PARTS}


def test_a_claim_and_a_reply_awaiting_approval_show_alike_on_both_pages(
    desk: Desk, api: DeskApi
) -> None:
    agent = api.person(name=f"Agent {token()}")
    boss = api.person("supervisor", name=f"Boss {token()}")
    text = f"Wo bleibt meine Lieferung {token()}"
    api.ingest(api.webhook_channel(), item(text))  # public: its replies need approval
    thread_id = api.thread_by_text(agent, text)["id"]
    board = desk.sign_in(agent)
    thread = desk.sign_in(agent, f"/threads/{thread_id}")
    boss_board = desk.sign_in(boss)
    expect(card(board, text)).to_contain_text("unclaimed")
    expect(thread.locator("#thread-holder")).to_have_text("unclaimed")
    assert_alike(board, text, thread)

    thread.get_by_role("button", name="Claim").click()

    expect(thread.locator("#thread-holder")).to_have_text("claimed by you", timeout=LIVE_MS)
    expect(row_parts(board, text)["holder"]).to_have_text("claimed by you", timeout=LIVE_MS)
    expect(row_parts(boss_board, text)["holder"]).to_have_text(f"held by {agent.name}",
                                                               timeout=LIVE_MS)
    assert_alike(board, text, thread)

    draft = thread.get_by_label("Reply draft")
    expect(draft).to_be_editable()
    draft.press_sequentially("Sie ist unterwegs.", delay=20)
    thread.get_by_role("button", name="Send reply").click()

    expect(thread.locator("#toasts")).to_contain_text("Submitted for approval.", timeout=LIVE_MS)
    for approval in (head_parts(thread)["approval"], row_parts(board, text)["approval"],
                     row_parts(boss_board, text)["approval"]):
        expect(approval).to_have_text("awaiting approval", timeout=LIVE_MS)
    assert_alike(board, text, thread)
