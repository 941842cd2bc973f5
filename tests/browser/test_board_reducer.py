"""The board page's own reducer follows the events of every command, in Chromium.

One in-process desk runs every command scenario of tests/server/commands/ in a row; the
events they committed are fed, in batches as the desk sends them, to web/static/js/stream.js
(Stream + CardSet, as the board page uses them) seeded with the board read before the first
command. What it holds at the end must be the board read afresh.
"""

from __future__ import annotations

import asyncio
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route

from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.server.commands.scenarios import SCENARIOS, Fakes, snapshot
from tests.support.backends import backend_name
from tests.support.captured import read_events
from tests.support.desk_template import (
    BASE_URL,
    Template,
    build_template,
    database_copy,
    drop_template,
)
from tests.support.inprocess import running_desk

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "web" / "static"
BATCH = 7  # events per batch: batches then cut across the commands' own events


async def every_command(template: Template, folder: Path, fakes: Fakes) -> dict[str, Any]:
    settings = {"meta_graph_url": fakes.meta.base_url, "x_api_url": fakes.x.base_url}
    async with database_copy(template, folder) as url, \
            running_desk(template, url, **settings) as desk:
        seq, before = await desk.seq(), await snapshot(desk)
        for arrange in SCENARIOS.values():
            await (await arrange(desk, fakes))()
        events = await read_events(desk.db, after=seq)
        return {"seq": seq, "before": list(before.values()), "events": events,
                "after": await snapshot(desk)}


def recorded(fakes: Fakes) -> dict[str, Any]:
    """The sequence, run apart from Playwright's event loop (in a thread of its own)."""
    def work() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as folder:
            template = build_template(backend_name(), Path(folder))
            try:
                return asyncio.run(every_command(template, Path(folder), fakes))
            finally:
                drop_template(template)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def serve_static(route: Route) -> None:
    path = route.request.url.removeprefix(BASE_URL)
    if path.startswith("/static/"):
        route.fulfill(path=STATIC / path.removeprefix("/static/"),
                      content_type="text/javascript")
    else:
        route.fulfill(body="<!doctype html><title>reducer</title>", content_type="text/html")


def test_the_board_pages_reducer_follows_every_command(
    browser: Browser, fake_meta: FakeMeta, fake_x: FakeX
) -> None:
    run = recorded(Fakes(fake_meta, fake_x))
    events = run["events"]
    batches = [{"events": events[n:n + BATCH], "upto": events[n:n + BATCH][-1]["seq"]}
               for n in range(0, len(events), BATCH)]
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route(f"{BASE_URL}/**", serve_static)
        page.goto(f"{BASE_URL}/")
        held = page.evaluate("""async ([before, seq, batches]) => {
            const {Stream, CardSet} = await import('/static/js/stream.js');
            const stream = new Stream(seq);
            const cards = new CardSet();
            cards.seed(before, seq);
            // The first batch once more, as a replay after a reconnect repeats it.
            for (const batch of [...batches, batches[0]]) cards.apply(stream.take(batch));
            return [...cards.values()];
        }""", [run["before"], run["seq"], batches])
    finally:
        context.close()

    assert len(events) > 50 and {e["type"] for e in events} >= {"thread.opened",
                                                                 "escalation.linked"}
    assert {card["id"]: card for card in held} == run["after"]
