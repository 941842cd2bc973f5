"""The reports page in Chromium, in English and German: both charts drawn by Chart.js, the
tables beside them, no console errors, no serious or critical axe violation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.browser.test_accessibility import grave_violations
from tests.support.desk_api import DeskApi, item

pytestmark = pytest.mark.browser

TITLES = {"en": ("Reports", "Volume by channel"), "de": ("Berichte", "Aufkommen nach Kanal")}


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_reports_page_draws_its_charts(desk: Desk, api: DeskApi, language: str,
                                           tmp_path: Path) -> None:
    title, volume = TITLES[language]
    name = f"Shop {token()}"
    channel = api.webhook_channel(name)
    api.ingest(channel, item(f"Paket fehlt {token()}"), item(f"Rechnung falsch {token()}"))
    page = desk.sign_in(api.person("supervisor", language=language))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=volume)).to_be_visible()
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate("""() => ["chart-volume", "chart-times"].map(
        (id) => Boolean(Chart.getChart(document.getElementById(id))))""")
    assert drawn == [True, True]
    expect(page.locator("#table-volume")).to_contain_text(name)
    expect(page.locator("#table-heatmap tbody tr")).to_have_count(7)
    folder = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path))
    page.screenshot(path=folder / f"reports-{language}.png", full_page=True)
    assert grave_violations(page) == []
    assert not errors, errors
    assert not desk.page_errors, desk.page_errors
