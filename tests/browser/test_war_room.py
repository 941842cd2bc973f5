"""The war-room wall and the board's KPI strip in Chromium: live, German and English,
no serious accessibility violations (axe-core, installed from the npm registry)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Desk
from tests.support.desk_api import DeskApi, Person, item

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PUSH_WAIT_MS = 20_000  # the figures are pushed every five seconds


def serious_violations(page: Page, context: str = "body") -> list[dict[str, Any]]:
    # Evaluated through the browser's debugging channel: the desk's CSP refuses inline tags.
    page.evaluate(AXE.read_text())
    found = page.evaluate("async (context) => (await axe.run(context)).violations", context)
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
            for v in found if v["impact"] in ("serious", "critical")]


def _volume(page: Page) -> int:
    return int(page.locator('[data-kpi="volume"] .kpi-value').inner_text())


def test_the_wall_updates_live_while_posts_arrive(
    desk: Desk, api: DeskApi, tmp_path: Path
) -> None:
    page = desk.sign_in(api.person("supervisor"), "/war-room")
    expect(page.get_by_role("heading", name="War room")).to_be_visible()
    value = page.locator('[data-kpi="volume"] .kpi-value')
    expect(value).not_to_have_text("–")
    before = _volume(page)
    pushed = page.locator("#kpis").get_attribute("data-at")

    channel = api.webhook_channel()
    api.ingest(channel, *(item(f"Seit heute kein Internet {secrets.token_hex(3)}")
                          for _ in range(3)))
    page.wait_for_function(
        "([before, pushed]) => Number(document.querySelector('[data-kpi=\"volume\"] "
        ".kpi-value').textContent) >= before + 3 && document.querySelector('#kpis')"
        ".dataset.at !== pushed", arg=[before, pushed], timeout=PUSH_WAIT_MS)
    expect(page.locator('[data-kpi="negative_share"] .kpi-value')).to_contain_text("%")
    shot = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path)) / "war-room-en.png"
    page.screenshot(path=shot, full_page=True)
    assert serious_violations(page) == []


def test_the_board_has_the_strip_and_the_wall_speaks_german(
    desk: Desk, api: DeskApi, tmp_path: Path
) -> None:
    board = desk.sign_in(api.person())
    expect(board.locator('[data-kpi="backlog"] .kpi-value')).not_to_have_text("–")
    expect(board.get_by_label("War room figures")).to_contain_text("Waiting for an answer")
    assert serious_violations(board, "#kpis") == []

    email = f"leitung-{secrets.token_hex(4)}@example.com"
    password = "correct horse battery " + secrets.token_hex(4)
    created = api.http.post("/api/users", headers=api.admin, json={
        "email": email, "name": "Leitung", "role": "supervisor", "password": password,
        "language": "de"})
    created.raise_for_status()
    german = Person(created.json()["id"], email, "Leitung", password, "", "supervisor")
    wall = desk.sign_in(german, "/war-room")
    expect(wall.get_by_role("heading", name="Lagezentrum")).to_be_visible()
    expect(wall.locator("#kpis")).to_contain_text("Warten auf Antwort")
    expect(wall.locator('[data-kpi="volume"] .kpi-value')).not_to_have_text("–")
    shot = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path)) / "war-room-de.png"
    wall.screenshot(path=shot, full_page=True)
    assert serious_violations(wall) == []
