"""The pages' event reducer (web/static/js/stream.js), run in Chromium as the pages run it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import VIEWPORT, Desk
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser


@pytest.fixture
def page(desk: Desk, server: DeskServer) -> Page:
    """A page of the desk (no sign-in needed to load its scripts)."""
    context = desk.browser.new_context(viewport=VIEWPORT)
    desk.contexts.append(context)
    page = context.new_page()
    page.goto(server.url + "/login")
    return page


def run(page: Page, body: str) -> Any:
    """Run `body` with Stream and CardSet imported; it returns what the test checks."""
    return page.evaluate(
        "async () => { const {Stream, CardSet} = await import('/static/js/stream.js');\n"
        + body + "}"
    )


def test_a_replay_repeats_nothing_and_a_head_above_the_mark_asks_for_a_resume(page: Page) -> None:
    result = run(page, """
        const stream = new Stream(10);
        const first = stream.take({events: [{seq: 9}, {seq: 10}, {seq: 11}, {seq: 12}], upto: 12});
        const repeated = stream.take({events: [{seq: 12}, {seq: 13}], upto: 15});
        return {first: first.map(e => e.seq), repeated: repeated.map(e => e.seq),
                seq: stream.seq, behind: stream.behind({seq: 16}), level: stream.behind({seq: 15})};
    """)

    assert result == {"first": [11, 12], "repeated": [13], "seq": 15,
                      "behind": True, "level": False}


def test_a_compact_batch_changes_each_thread_once_to_its_newest_card(page: Page) -> None:
    changes = run(page, """
        const cards = new CardSet();
        return cards.apply([
            {seq: 121, type: "thread.opened", payload: {}, card_in: 123},
            {seq: 122, type: "message.added", payload: {card: {id: 7, excerpt: "other"}}},
            {seq: 123, type: "message.added", payload: {card: {id: 31, excerpt: "newest"}}},
        ]).map(c => [c.id, c.card.excerpt, c.before]);
    """)

    assert changes == [[7, "other", None], [31, "newest", None]]


def test_an_older_copy_never_replaces_a_newer_one(page: Page) -> None:
    result = run(page, """
        const cards = new CardSet({keep: (card) => card.status !== "resolved"});
        cards.apply([{seq: 140, payload: {card: {id: 5, status: "open", holder: "Anna"}}}]);
        const stalePage = cards.seed([{id: 5, status: "open", holder: null}], 130);
        cards.apply([{seq: 150, payload: {card: {id: 5, status: "resolved"}}}]);
        const gone = cards.get(5) === undefined;
        const back = cards.seed([{id: 5, status: "open"}], 145);
        return {stalePage: stalePage.length, gone, back: back.length, size: cards.size};
    """)

    assert result == {"stalePage": 0, "gone": True, "back": 0, "size": 0}


def test_a_page_following_some_threads_ignores_the_others(page: Page) -> None:
    changes = run(page, """
        const cards = new CardSet({ids: [3]});
        cards.seed([{id: 3, status: "open"}], 1);
        return cards.apply([{seq: 2, payload: {card: {id: 4, status: "open"}}},
                            {seq: 3, payload: {card: {id: 3, status: "pending"}}}])
            .map(c => [c.id, c.card.status, c.before.status]);
    """)

    assert changes == [[3, "pending", "open"]]
