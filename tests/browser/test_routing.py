"""Routing on the board in Chromium: availability changes live on every board, set from
the menu; a routed card says which rule routed it; a breach turns the card red on every
board."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.models import utcnow
from server.settings import async_database_url
from tests.browser.conftest import Desk
from tests.browser.helpers import card, token
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

LIVE_MS = 2000


def test_availability_changes_live_on_another_board(desk: Desk, api: DeskApi) -> None:
    anna, ben = api.person(name=f"Anna {token()}"), api.person(name=f"Ben {token()}")
    a, b = desk.sign_in(anna), desk.sign_in(ben)
    on_b = b.locator("#availability-list li", has_text=anna.name)
    # She says she takes work (presence alone only brings back who it made away).
    a.get_by_label("You are").select_option("online")
    expect(on_b).to_contain_text("online", timeout=LIVE_MS)

    a.get_by_label("You are").select_option("busy")

    expect(on_b).to_contain_text("busy", timeout=LIVE_MS)
    expect(on_b).to_have_class("availability-busy")
    b.keyboard.press("Tab")  # the menu is reachable by keyboard
    expect(b.get_by_label("You are")).to_be_enabled()


def test_a_routed_card_names_its_rule(desk: Desk, api: DeskApi) -> None:
    admin = {"headers": api.admin}
    team = api.http.post("/api/teams", json={"name": f"Billing {token()}"}, **admin).json()
    name = f"Billing DE {token()}"
    word = token()
    made = api.http.post("/api/routing-rules", json={
        "name": name, "team_id": team["team"]["id"], "conditions": {"words": [word]}}, **admin)
    assert made.status_code == 201, made.text
    page = desk.sign_in(api.person())
    text = f"Meine Rechnung {word} stimmt nicht"

    api.ingest(api.webhook_channel(), item(text))

    expect(card(page, text)).to_contain_text(f"routed by rule '{name}'", timeout=LIVE_MS)
    api.http.delete(f"/api/routing-rules/{made.json()['rule']['id']}", **admin)


def test_a_breach_turns_the_card_red_on_two_boards(desk: Desk, api: DeskApi,
                                                   backend: Backend) -> None:
    text = f"Seit Tagen keine Antwort {token()}"
    api.ingest(api.webhook_channel(), item(text))
    a, b = desk.sign_in(api.person()), desk.sign_in(api.person())
    for page in (a, b):
        expect(card(page, text)).to_be_visible(timeout=LIVE_MS)
        expect(card(page, text)).not_to_have_class(re.compile("overdue"))
    thread_id = api.thread_by_text(api.person("viewer"), text)["id"]

    # The first response's due time passes: the desk's timer announces the breach with the
    # card, whose clock is overdue now.
    # (In a thread of its own: Playwright's sync API keeps an event loop in this one.)
    with ThreadPoolExecutor(1) as worker:
        worker.submit(asyncio.run, _overdue(backend.database_url, thread_id)).result()

    for page in (a, b):
        expect(card(page, text)).to_have_class(re.compile("overdue"), timeout=LIVE_MS * 3)
        expect(card(page, text)).to_contain_text("overdue")


async def _overdue(database_url: str, thread_id: int) -> None:
    engine = create_async_engine(async_database_url(database_url))
    past = utcnow() - timedelta(minutes=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "UPDATE thread SET sla_due_at = :past WHERE id = :t"), {"past": past,
                                                                       "t": thread_id})
            await conn.execute(text(
                "UPDATE sla_clock SET warn_at = :past, due_at = :past WHERE thread_id = :t"),
                {"past": past, "t": thread_id})
    finally:
        await engine.dispose()
