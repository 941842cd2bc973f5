"""Browser fixtures: one real Chromium per session, and pages signed in through /login.

Playwright's sync API cannot run while an asyncio loop runs in the same thread, so the
desk runs in a subprocess (the `server` fixture) and these tests are plain functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.desk_api import Person
from tests.support.servers import DeskServer

NEWEST_FIRST = "/?sort=activity"
VIEWPORT = {"width": 1280, "height": 800}

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests last: the session's Chromium (and Playwright's own loop) then never
    # shares the process with the asyncio tests that run before it.
    items.sort(key=lambda item: "browser" in item.keywords)


class Desk:
    """The desk as people in browsers see it; pages are screenshotted when a test fails."""

    def __init__(self, browser: Browser, server: DeskServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.page_errors: list[str] = []

    def sign_in(self, person: Person, path: str = NEWEST_FIRST,
                server: DeskServer | None = None) -> Page:
        """A fresh browser profile, signed in through the real /login form. Unless told
        otherwise it shows the board newest activity first: a test looks for the cards it
        just made, which the default order (SLA due first) puts last on a desk that the
        whole session shares, out of the visible rows."""
        url = (server or self.server).url
        context = self.browser.new_context(viewport=VIEWPORT, locale="en-US")
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(f"{person.email}: {error}"))
        page.goto(url + "/login")
        page.get_by_label("E-mail").fill(person.email)
        page.get_by_label("Password").fill(person.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(url + "/")
        if path != "/":
            page.goto(url + path)
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        return page

    def screenshots(self, folder: Path) -> list[Path]:
        saved = []
        for n, context in enumerate(self.contexts):
            for m, page in enumerate(context.pages):
                path = folder / f"page-{n}-{m}.png"
                try:
                    page.screenshot(path=path, full_page=True)
                except Exception:  # a page that crashed cannot be photographed
                    continue
                saved.append(path)
        return saved

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def desk(browser: Browser, server: DeskServer, request: pytest.FixtureRequest,
         tmp_path: Path) -> Iterator[Desk]:
    desk = Desk(browser, server)
    yield desk
    call = request.node.stash.get(_reports, {}).get("call")
    if call is not None and call.failed:
        for path in desk.screenshots(tmp_path):
            print(f"screenshot: {path}")
    desk.close()
    if desk.page_errors and call is not None and call.passed:
        pytest.fail("JavaScript errors on the page:\n" + "\n".join(desk.page_errors))
