"""The reply draft in real browsers: people typing into one textarea at the same time.

Each test drives its own Chromium from a thread of its own: Playwright's sync API refuses
to start while another instance (the session browser of tests/browser) runs in the same
thread, and a thread keeps these tests independent of which browser tests ran before.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.desk_api import DeskApi, Person, item
from tests.support.servers import ROOT, DeskServer

pytestmark = pytest.mark.browser

SOURCE = ROOT / "web" / "static" / "js" / "draft-src.js"
BUNDLE = ROOT / "web" / "static" / "build" / "draft.js"
LIVE_MS = 10_000


@pytest.fixture(scope="module", autouse=True)
def bundle() -> None:
    """The page loads the built bundle: build it if the source is newer (npm install does
    it too, but not after an edit)."""
    if not BUNDLE.exists() or BUNDLE.stat().st_mtime < SOURCE.stat().st_mtime:
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True, capture_output=True)


@pytest.fixture
def desk(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskServer, DeskApi]]:
    token = prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(server.url, token)
    yield server, api
    api.close()
    server.stop()


def in_browser(scenario: Callable[[Browser], Any]) -> Any:
    def run() -> Any:
        if not Path(CHROMIUM).exists():
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                return scenario(browser)
            finally:
                browser.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


class Editors:
    """People in browsers on one thread page; script errors of the draft fail the test."""

    def __init__(self, browser: Browser, server: DeskServer, thread_id: int) -> None:
        self.browser = browser
        self.server = server
        self.path = f"/threads/{thread_id}"
        self.errors: list[str] = []
        self.contexts: list[Any] = []

    def open(self, person: Person, *, may_edit: bool = True) -> Page:
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{person.name}: {error}"))
        page.goto(f"{self.server.url}/login?next={self.path}")
        page.locator("input[name=email]").fill(person.email)
        page.locator("input[name=password]").fill(person.password)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(self.server.url + self.path)
        editor = page.locator("#draft-editor")
        expect(editor).to_have_attribute("data-state", "live", timeout=LIVE_MS)
        expect(editor).to_have_attribute("data-may-edit", str(may_edit).lower(), timeout=LIVE_MS)
        return page

    def close_all(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()

    def check(self) -> None:
        assert not [e for e in self.errors if "draft" in e.lower()], self.errors


def caret_to(page: Page, index: int) -> None:
    page.locator("#draft").focus()
    page.evaluate(f"document.getElementById('draft').setSelectionRange({index}, {index})")


def in_order(text: str, typed: str) -> bool:
    """True if `typed` appears in `text` in order (others' letters may sit in between)."""
    rest = iter(text)
    return all(letter in rest for letter in typed)


def thread_for(api: DeskApi, person: Person, words: str) -> int:
    api.ingest(api.webhook_channel(), item(words))
    return api.thread_by_text(person, words)["id"]


def value(page: Page) -> str:
    return page.input_value("#draft")


def until(page: Page, check: Callable[[], bool], what: str) -> None:
    for _ in range(LIVE_MS // 50):
        if check():
            return
        page.wait_for_timeout(50)  # lets Playwright take in the page's events meanwhile
    raise AssertionError(f"timed out waiting for {what}")


def test_two_browsers_type_into_one_draft_at_once(desk: tuple[DeskServer, DeskApi]) -> None:
    server, api = desk
    anna, ben, cleo, dora = (api.person(name=n) for n in ("Anna", "Ben", "Cleo", "Dora"))
    thread_id = thread_for(api, anna, "Wo bleibt mein Paket?")
    from_anna, from_ben = "abcdefghijklmnop", "0123456789QRSTUV"

    def scenario(browser: Browser) -> None:
        editors = Editors(browser, server, thread_id)
        a, b = editors.open(anna), editors.open(ben)
        caret_to(a, 0)
        caret_to(b, 0)

        # Interleaved, at the same place, without waiting for each other's keystrokes.
        for mine, theirs in zip(from_anna, from_ben, strict=True):
            a.keyboard.type(mine)
            b.keyboard.type(theirs)

        everything = sorted(from_anna + from_ben)
        until(a, lambda: value(a) == value(b) and sorted(value(a)) == everything,
              "both drafts to hold every letter")
        text = value(a)
        # Each person's caret stayed behind their own last letter while the other typed.
        assert in_order(text, from_anna) and in_order(text, from_ben), text
        expect(a.locator("#draft-people")).to_contain_text("Ben", timeout=LIVE_MS)
        expect(b.locator("#draft-people")).to_contain_text("Anna", timeout=LIVE_MS)

        c = editors.open(cleo)  # joins later and sees the current text
        expect(c.locator("#draft")).to_have_value(text, timeout=LIVE_MS)
        expect(c.locator("#draft-people")).to_contain_text("Anna")
        expect(c.locator("#draft-people")).to_contain_text("Ben")
        editors.check()
        editors.close_all()  # nobody is left who could hand the text back to the server

        server.stop()
        server.start()

        d = editors.open(dora)
        expect(d.locator("#draft")).to_have_value(text, timeout=LIVE_MS)
        editors.check()
        editors.close_all()

    in_browser(scenario)


def test_remote_edits_keep_the_caret_and_only_writers_write(
    server: DeskServer, api: DeskApi
) -> None:
    anna, ben = api.person(name="Anna Holder"), api.person(name="Ben Guest")
    vera = api.person("viewer", name="Vera Viewer")
    thread_id = thread_for(api, anna, "Rechnung doppelt abgebucht")

    def scenario(browser: Browser) -> None:
        editors = Editors(browser, server, thread_id)
        a, b = editors.open(anna), editors.open(ben)
        a.locator("#draft").click()
        a.keyboard.type("Hello world")
        expect(b.locator("#draft")).to_have_value("Hello world", timeout=LIVE_MS)
        caret_to(a, 5)

        caret_to(b, 0)
        b.keyboard.type("Oh, ")

        expect(a.locator("#draft")).to_have_value("Oh, Hello world", timeout=LIVE_MS)
        assert a.evaluate("document.getElementById('draft').selectionStart") == 9
        a.keyboard.type(",")
        expect(b.locator("#draft")).to_have_value("Oh, Hello, world", timeout=LIVE_MS)
        expect(b.locator("#draft-people")).to_contain_text("line 1, column 11", timeout=LIVE_MS)

        v = editors.open(vera, may_edit=False)
        expect(v.locator("#draft")).to_have_value("Oh, Hello, world")
        v.locator("#draft").press_sequentially("nope")  # read-only: nothing happens
        expect(v.locator("#draft-status")).to_contain_text("draft.edit")
        assert value(v) == "Oh, Hello, world"

        claimed = api.call(anna, "POST", f"/api/threads/{thread_id}/claim")
        assert claimed.status_code == 200, claimed.text
        editor_of_ben = b.locator("#draft-editor")
        expect(editor_of_ben).to_have_attribute("data-may-edit", "false", timeout=LIVE_MS)
        expect(b.locator("#draft-status")).to_contain_text("Anna Holder")

        a.locator("#draft-invite-user").select_option(label="Ben Guest")
        a.locator("#draft-invite-add").click()

        expect(editor_of_ben).to_have_attribute("data-may-edit", "true", timeout=LIVE_MS)
        expect(a.locator("#draft-invited")).to_contain_text("Ben Guest")
        b.locator("#draft").click()
        b.keyboard.press("End")
        b.keyboard.type("!")
        expect(a.locator("#draft")).to_have_value("Oh, Hello, world!", timeout=LIVE_MS)
        expect(v.locator("#draft")).to_have_value("Oh, Hello, world!", timeout=LIVE_MS)
        editors.check()
        editors.close_all()

    in_browser(scenario)
