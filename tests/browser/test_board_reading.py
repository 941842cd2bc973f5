"""The reading on the board in Chromium: a badge in words on every card, and a filter."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import card, rows, search, token
from tests.support.desk_api import DeskApi, Person, item

pytestmark = pytest.mark.browser


def _german_person(api: DeskApi) -> Person:
    email = f"agentin-{secrets.token_hex(4)}@example.com"
    password = "correct horse battery " + secrets.token_hex(4)
    created = api.http.post("/api/users", headers=api.admin, json={
        "email": email, "name": "Agentin", "role": "service agent", "password": password,
        "language": "de"})
    created.raise_for_status()
    return Person(created.json()["id"], email, "Agentin", password, "", "service agent")


def test_the_board_shows_each_cards_reading_and_filters_by_it(
    desk: Desk, api: DeskApi, tmp_path: Path
) -> None:
    word = token()
    channel = api.webhook_channel()
    complaint = f"{word} Seit drei Tagen kein Internet. Echt eine Frechheit!"
    praise = f"{word} Thanks Anna, sorted in five minutes, brilliant service! 👍"
    question = f"{word} Wann kommt der Techniker?"
    for text in (complaint, praise, question):
        api.ingest(channel, item(text))
    page = desk.sign_in(api.person())
    search(page, word)
    expect(rows(page)).to_have_count(3)

    expect(card(page, complaint).locator(".mood")).to_have_text("negative · DE")
    expect(card(page, complaint).locator(".mood")).to_have_attribute(
        "title", "Last inbound message: negative, in German")
    expect(card(page, praise).locator(".mood")).to_have_text("positive · EN")
    expect(card(page, question).locator(".mood")).to_have_text("neutral · DE")

    sentiment = page.get_by_label("Sentiment of the last inbound message")
    sentiment.select_option("negative")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Frechheit")
    shot = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path)) / "board-sentiment-en.png"
    page.screenshot(path=shot)

    # A post arriving while the filter is on joins the list live when it matches.
    later = f"{word} Schon wieder Störung, ich bin so sauer 😡"
    api.ingest(channel, item(later))
    expect(rows(page)).to_have_count(2)
    sentiment.select_option("positive")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("brilliant")
    sentiment.select_option("")
    expect(rows(page)).to_have_count(4)


def test_the_reading_speaks_german_on_a_german_board(
    desk: Desk, api: DeskApi, tmp_path: Path
) -> None:
    word = token()
    complaint = f"{word} Mein Paket ist nicht angekommen!!!"
    api.ingest(api.webhook_channel(), item(complaint))
    page = desk.sign_in(_german_person(api))
    search(page, word)

    badge = card(page, complaint).locator(".mood")
    expect(badge).to_have_text("negativ · DE")
    expect(badge).to_have_attribute("title",
                                    "Letzte eingegangene Nachricht: negativ, auf Deutsch")
    shot = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path)) / "board-sentiment-de.png"
    page.screenshot(path=shot)
    page.get_by_label("Stimmung der letzten eingegangenen Nachricht").select_option("positive")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()
