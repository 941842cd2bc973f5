"""The audit trail page in Chromium, in English and German: filtered with the keyboard
alone (a native select, a submit button, links), the CSV link carries the filters, and
nothing is logged to the console."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

WORDS = {"en": ("Audit trail", "Action", "Show", "Download as CSV"),
         "de": ("Protokoll", "Aktion", "Anzeigen", "Als CSV herunterladen")}


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_audit_trail_filtered_with_the_keyboard(
        desk: Desk, api: DeskApi, language: str, tmp_path: Path) -> None:
    title, action_label, show, download = WORDS[language]
    agent = api.person()
    text = f"Protokolliert {token()}"
    api.ingest(api.webhook_channel(), item(text))
    thread = api.thread_by_text(agent, text)
    api.call(agent, "POST", f"/api/threads/{thread['id']}/claim").raise_for_status()
    supervisor = api.person("supervisor", language=language)
    page = desk.sign_in(supervisor)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.get_by_label(action_label, exact=True).select_option("thread.claim")
    page.get_by_role("button", name=show).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/audit?*action=thread.claim*")

    row = page.locator("#audit-table tbody tr", has_text=f"#{thread['id']}")
    expect(row).to_contain_text(agent.name)
    expect(row).to_contain_text("thread.claim")
    expect(page.locator("#audit-table tbody tr")).not_to_contain_text(["message.ingest"])
    expect(page.get_by_role("link", name=download)).to_have_attribute(
        "href", "/audit.csv?action=thread.claim")
    folder = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path))
    page.screenshot(path=folder / f"audit-{language}.png", full_page=True)
    link = page.get_by_role("link", name=agent.name).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/audit?person_id={agent.id}")
    expect(page.locator("#audit-table")).to_contain_text("thread.claim")
    assert not errors, errors
    assert not desk.page_errors, desk.page_errors

