"""A board with more open threads than its page embeds: the rest arrive in pages.

The board page holds only the first screenful; board.js fetches every other open thread from
/api/threads while live events keep coming. These tests run a desk of their own with more
threads than one page of that API, so the counts are exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, Request, Route, expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, rows, search, selected, token
from tests.conftest import prepare
from tests.support.backends import backend_name, make_backend
from tests.support.desk_api import DeskApi, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser

THREADS = 1250  # more than the first screenful (200) and than two pages of threads (500 each)
# Below the first screenful, but in the first page the board asks /api/threads for.
CLAIMED, RESOLVED = THREADS - 300, THREADS - 301
LIVE_MS = 2000


@dataclass(frozen=True)
class Crowded:
    server: DeskServer
    api: DeskApi
    word: str  # in every thread's text

    def post(self, n: int) -> str:
        return f"Anfrage {n:04d} {self.word}"


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crowded]:
    folder = tmp_path_factory.mktemp("crowded")
    backend = make_backend(backend_name(), folder)
    server = None
    try:
        admin_token = prepare(backend)
        server = DeskServer(backend.env(), folder / "desk.log").start()
        api = DeskApi(server.url, admin_token)
        crowded = Crowded(server, api, token())
        channel = api.webhook_channel()
        for start in range(0, THREADS, 250):
            api.ingest(channel, *(item(crowded.post(n)) for n in range(start, start + 250)))
        yield crowded
        api.close()
    finally:
        if server is not None:
            server.stop()
        for cleanup in backend.cleanup:
            cleanup()


def everything_loaded(page: Page, total: int) -> None:
    expect(page.locator("#loading")).to_be_hidden(timeout=15000)
    expect(page.locator("#count")).to_have_text(f"{total} of {total}")


def test_a_board_larger_than_its_page_shows_every_thread(desk: Desk, crowded: Crowded) -> None:
    page = desk.sign_in(crowded.api.person(), "/?sort=activity", server=crowded.server)

    embedded = page.locator("#board-data").evaluate("node => JSON.parse(node.textContent)")
    assert len(embedded["threads"]) < THREADS
    expect(rows(page).first).to_contain_text(crowded.post(THREADS - 1))  # newest first
    everything_loaded(page, THREADS)

    page.locator("#cards").evaluate("list => { list.scrollTop = list.scrollHeight; }")
    expect(card(page, crowded.post(0))).to_be_visible()
    page.locator("#cards").focus()
    page.keyboard.press("End")  # the pages were merged in order: the oldest thread is last
    expect(selected(page)).to_contain_text(crowded.post(0))

    search(page, f"anfrage 0007 {crowded.word}")
    expect(rows(page)).to_have_count(1)
    expect(page.locator("#count")).to_have_text(re.compile(rf"^1 of {THREADS}$"))


def test_live_changes_to_threads_not_loaded_yet_are_kept(desk: Desk, crowded: Crowded) -> None:
    """A page read before a claim and a resolve, delivered after them, changes nothing."""
    person = crowded.api.person()
    page = desk.sign_in(person, server=crowded.server)
    everything_loaded(page, THREADS)
    claimed = crowded.api.thread_by_text(person, crowded.post(CLAIMED))
    resolved = crowded.api.thread_by_text(person, crowded.post(RESOLVED))
    held: list[Route] = []

    def hold_the_first_page(route: Route, request: Request) -> None:
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(lambda url: "/api/threads?" in url, hold_the_first_page)
    page.reload()
    expect(page.locator("#loading")).to_be_visible()
    for _ in range(200):  # Playwright hands routes over while the test waits on the page
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the board asked for no page of threads"
    stale = held[0].fetch()  # the first page, read now: before the claim and the resolve
    in_stale = {c["id"]: c for c in stale.json()["threads"]}
    assert in_stale[claimed["id"]]["holder"] is None and resolved["id"] in in_stale

    answer = crowded.api.call(person, "POST", f"/api/threads/{claimed['id']}/claim", json={})
    assert answer.status_code == 200, answer.text
    answer = crowded.api.call(person, "PATCH", f"/api/threads/{resolved['id']}",
                              json={"status": "resolved"})
    assert answer.status_code == 200, answer.text
    search(page, crowded.post(CLAIMED))
    expect(card(page, crowded.post(CLAIMED))).to_contain_text("claimed by you", timeout=LIVE_MS)

    held[0].fulfill(response=stale)
    expect(page.locator("#loading")).to_be_hidden(timeout=15000)

    expect(page.locator("#count")).to_have_text(f"1 of {THREADS - 1}")
    expect(card(page, crowded.post(CLAIMED))).to_contain_text("claimed by you")
    search(page, crowded.post(RESOLVED))
    expect(rows(page)).to_have_count(0)
