"""/api/docs in Chromium: Redoc renders the generated OpenAPI document, in both languages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import VIEWPORT
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("locale", "heading"), [("en-US", "API reference"),
                                                 ("de-DE", "API-Referenz")])
def test_the_reference_page_renders_every_operation(
    browser: Browser, server: DeskServer, tmp_path: Path, locale: str, heading: str,
) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(server.url + "/api/docs")

        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        # Redoc has read /openapi.json when the operations' summaries are in the page.
        expect(page.get_by_text("Claim a thread (or renew your claim)").first).to_be_attached(
            timeout=20_000)
        expect(page.get_by_text("The approvals queue.").first).to_be_attached()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") in ("A", "INPUT", "BUTTON")
        shot = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path)) / f"api-docs-{locale}.png"
        page.screenshot(path=shot)
    finally:
        context.close()
    assert errors == []
