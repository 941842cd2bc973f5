"""A real Chromium for the fault tests (the browser folder's fixtures live in its conftest)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import NEWEST_FIRST, VIEWPORT


def signed_in(browser: Browser, url: str, email: str, password: str,
              path: str = NEWEST_FIRST) -> Page:
    page = browser.new_context(viewport=VIEWPORT, locale="en-US").new_page()
    page.goto(url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url + "/")
    if path != "/":
        page.goto(url + path)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    return page
