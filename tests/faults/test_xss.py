"""Script payloads in everything people and networks can name stay inert on every page.

Post text and author names (from a webhook), a template's name and text, a note and a
channel's name carry `<script>`, `onerror` and `javascript:` payloads. In Chromium, live
(while the pages are open) and after a reload: no dialog opens, no payload runs (it would
set window.xssRan or log "xss"), and no element with an on* attribute or a javascript:
link came from a payload; the payloads show as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import card
from tests.conftest import ADMIN_EMAIL, prepare
from tests.faults.browser import signed_in
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser

RUN = "window.xssRan = true; console.log('xss ran')"
PAYLOADS = (
    f'<script>{RUN}; alert("xss")</script>'
    f'<img src=x onerror="{RUN}; alert(1)">'
    f'<a href="javascript:{RUN}">xss link</a>'
    f'"><svg onload="{RUN}"></svg>'
    f"javascript:alert('xss')"
)
SHORT = '<img src=x onerror="window.xssRan=true">"><script>window.xssRan=true</script>'

# Any element a payload could have made active: event handlers mentioning it, links and
# sources with javascript:, executable scripts carrying it.
FIND_ACTIVE = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.toLowerCase();
      if (name.startsWith("on") && (value.includes("xss") || value.includes("alert")))
        found.push(el.outerHTML.slice(0, 160));
      if (["href", "src", "action", "formaction", "xlink:href"].includes(name)
          && value.trim().startsWith("javascript:"))
        found.push(el.outerHTML.slice(0, 160));
    }
    if (el.tagName === "SCRIPT" && (!el.type || /javascript|module/.test(el.type))
        && el.textContent.includes("xssRan"))
      found.push("script: " + el.textContent.slice(0, 160));
  }
  return found;
}"""


class Watched:
    """A page whose dialogs and console are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.console: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", lambda message: self.console.append(message.text))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_inert(self, where: str) -> None:
        page = self.page
        page.wait_for_timeout(300)  # give an injected handler (img onerror) its chance
        assert self.dialogs == [], where
        assert [m for m in self.console if "xss" in m.lower()] == [], where
        assert page.evaluate("window.xssRan === undefined"), where
        assert page.evaluate(FIND_ACTIVE) == [], where


def test_payloads_stay_inert_live_and_on_reload(
    browser: Browser, fresh_backend: Backend, tmp_path: Path,
) -> None:
    token = prepare(fresh_backend)
    desk = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(desk.url, token)
    try:
        channel = api.webhook_channel(f"XSS-CHANNEL {SHORT}"[:100])
        api.ingest(channel, item("seed of the thread", thread="xss-thread"))
        thread_id = api.thread_by_text(api.person(role="admin"), "seed of the thread")["id"]

        board = Watched(signed_in(browser, desk.url, ADMIN_EMAIL, "admin password 123"))
        thread = Watched(signed_in(browser, desk.url, ADMIN_EMAIL, "admin password 123",
                                   f"/threads/{thread_id}"))
        # Live: everything arrives while the pages are open.
        api.ingest(channel, item(f"XSS-POST {PAYLOADS}", thread="xss-thread",
                                 author={"id": "xss-author", "name": f"XSS-AUTHOR {SHORT}"}))
        api.ingest(channel, item(f"XSS-NEW {PAYLOADS}",
                                 author={"id": "xss-author-2", "name": f"XSS-AUTHOR {SHORT}"}))
        note = api.http.post(f"/api/threads/{thread_id}/notes", headers=api.admin,
                             json={"text": f"XSS-NOTE {PAYLOADS}"})
        assert note.status_code in (200, 201), note.text
        template = api.http.post("/api/templates", headers=api.admin, json={
            "name": f"XSS-TEMPLATE {SHORT}"[:80], "language": "en",
            "body": f"XSS-BODY {PAYLOADS}"})
        assert template.status_code in (200, 201), template.text

        expect(card(board.page, "XSS-NEW")).to_be_visible(timeout=10000)
        expect(thread.page.get_by_text("XSS-POST", exact=False).first).to_be_visible(
            timeout=10000)
        expect(thread.page.get_by_text("XSS-NOTE", exact=False).first).to_be_visible(
            timeout=10000)
        board.assert_inert("board, live")
        thread.assert_inert("thread, live")

        for watched in (board, thread):
            watched.page.reload()
            expect(watched.page.locator("#connection")).to_have_attribute("data-state", "live")
        expect(card(board.page, "XSS-POST")).to_be_visible()
        expect(thread.page.get_by_text("XSS-AUTHOR", exact=False).first).to_be_visible()
        board.assert_inert("board, reloaded")
        thread.assert_inert("thread, reloaded")

        for path, shown in [("/templates", "XSS-TEMPLATE"), ("/admin/channels", "XSS-CHANNEL"),
                            ("/approvals", None), ("/admin/users", None)]:
            board.page.goto(desk.url + path)
            if shown:
                expect(board.page.get_by_text(shown, exact=False).first).to_be_visible()
            board.assert_inert(path)
    finally:
        api.close()
        desk.stop()
