"""Customers in Chromium: the panel beside a thread shows the customer's thread on another
network once two customers are merged (live, without a reload); the customer page in
English and German, worked with the keyboard alone."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.customers.desk import merge
from tests.fakes.desk import connect_meta, post_meta
from tests.fakes.meta_graph import FakeMeta
from tests.support.desk_api import DeskApi, Person, item

pytestmark = pytest.mark.browser

LIVE_MS = 5000


def german_agent(api: DeskApi) -> Person:
    email = f"agentin-{secrets.token_hex(4)}@example.com"
    password = "correct horse battery " + secrets.token_hex(4)
    made = api.http.post("/api/users", headers=api.admin, json={
        "email": email, "name": "Agentin", "role": "service agent", "password": password,
        "language": "de"})
    made.raise_for_status()
    return Person(made.json()["id"], email, "Agentin", password,
                  api.own_token(email, password), "service agent")


def one_customer_on_two_networks(api: DeskApi, fake_meta: FakeMeta, word: str
                                 ) -> tuple[dict, dict]:
    """A Facebook comment and a message on the shop's webhook channel, from two customers
    the desk suggests merging (the same address in both)."""
    page = fake_meta.account("facebook")
    channel = connect_meta(api, page)
    comment = fake_meta.comment(page, fake_meta.customer(f"Paula {word}"),
                                f"Kein Strom {word}, schreibt mir an paula.{word}@example.org")
    assert post_meta(api, channel, fake_meta.comment_webhook(comment), page.app_secret).is_success
    shop = api.webhook_channel("Shop chat")
    api.ingest(shop, item(f"Hallo, hier nochmal {word}: paula.{word}@example.org",
                          author={"id": f"chat-{word}", "name": f"P. {word}"},
                          visibility="private"))
    agent = api.person()
    return (api.thread_by_text(agent, f"Kein Strom {word}"),
            api.thread_by_text(agent, f"hier nochmal {word}"))


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("TANDEM_SCREENSHOTS", tmp_path))
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def test_the_panel_shows_the_other_networks_thread_once_merged(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta, tmp_path: Path) -> None:
    word = token()
    comment, chat = one_customer_on_two_networks(api, fake_meta, word)
    agent = api.person()
    shown = desk.sign_in(agent, f"/threads/{comment['id']}")
    panel = shown.locator("#customer-panel")
    expect(panel).to_contain_text(f"Paula {word}")
    expect(panel).to_contain_text("None.")

    merge(api, agent, comment["customer_id"], chat["customer_id"])

    other = panel.get_by_role("link", name=f"hier nochmal {word}")
    expect(other).to_be_visible(timeout=LIVE_MS)
    expect(other).to_have_attribute("href", f"/threads/{chat['id']}")
    expect(panel).to_contain_text("webhook")
    expect(panel).to_contain_text("facebook")
    screenshot(shown, tmp_path, "customer-panel")
    other.focus()
    shown.keyboard.press("Enter")
    shown.wait_for_url(f"**/threads/{chat['id']}")
    expect(shown.locator("#customer-panel")).to_contain_text(f"Kein Strom {word}")


def test_the_customer_page_in_english_with_the_keyboard(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta, tmp_path: Path) -> None:
    word = token()
    comment, _ = one_customer_on_two_networks(api, fake_meta, word)
    page = desk.sign_in(api.person())
    page.get_by_role("link", name="Customers").click()  # the list page has no live connection

    search = page.get_by_label("Search", exact=True)
    search.focus()
    page.keyboard.type(f"Paula {word}")
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name=f"Paula {word}")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{comment['customer_id']}")
    expect(page.locator("#customer-live")).to_contain_text(f"Kein Strom {word}")
    suggestion = page.locator(".suggestion", has_text=f"P. {word}")
    expect(suggestion).to_contain_text("same e-mail address")
    suggestion.get_by_role("button", name="Merge into this customer").focus()
    page.keyboard.press("Enter")

    timeline = page.locator("#customer-live .timeline-threads")
    expect(timeline).to_contain_text(f"hier nochmal {word}")
    expect(page.locator("#customer-live")).to_contain_text(f"P. {word}")
    page.get_by_label("VIP", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save profile").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".customer-head .vip")).to_be_visible()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    screenshot(page, tmp_path, "customer-page-en")
    page.get_by_role("button", name="Split again").focus()
    page.keyboard.press("Enter")
    expect(timeline).not_to_contain_text(f"hier nochmal {word}")


def test_the_customer_page_in_german_follows_other_peoples_changes(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta, tmp_path: Path) -> None:
    word = token()
    comment, _ = one_customer_on_two_networks(api, fake_meta, word)
    colleague = api.person()
    page = desk.sign_in(german_agent(api), f"/customers/{comment['customer_id']}")
    timeline = page.get_by_role("heading", name="Verlauf: jeder Thread in jedem Netzwerk")
    expect(timeline).to_be_visible()
    expect(page.locator(".suggestion")).to_contain_text("gleiche E-Mail-Adresse")

    changed = api.call(colleague, "PATCH", f"/api/customers/{comment['customer_id']}",
                       json={"tags": ["Stromausfall"], "language": "de"})
    assert changed.status_code == 200, changed.text
    noted = api.call(colleague, "POST", f"/api/customers/{comment['customer_id']}/notes",
                     json={"text": f"Ruft oft an {word}"})
    assert noted.status_code == 201, noted.text

    expect(page.locator(".customer-head")).to_contain_text("Stromausfall", timeout=LIVE_MS)
    expect(page.locator(".customer-notes")).to_contain_text(f"Ruft oft an {word}",
                                                           timeout=LIVE_MS)
    page.get_by_label("Notiz zum Kunden").focus()
    page.keyboard.type("Bitte nur per Chat")
    page.get_by_role("button", name="Notiz hinzufügen").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".customer-notes")).to_contain_text("Bitte nur per Chat")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    screenshot(page, tmp_path, "customer-page-de")


def test_an_admin_defines_an_attribute_that_the_customer_page_asks_for(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta, tmp_path: Path) -> None:
    word = token()
    comment, _ = one_customer_on_two_networks(api, fake_meta, word)
    admin = api.person("admin")
    page = desk.sign_in(admin)
    page.goto(desk.server.url + "/admin/attributes")

    page.get_by_label("Key (a-z, 0-9, _)").fill(f"contract_{word}")
    page.get_by_label("Label", exact=True).fill(f"Contract {word}")
    page.get_by_label("Kind").select_option("choice")
    page.get_by_label("Choices (comma separated, for a choice)").fill("Basic, Plus")
    page.get_by_role("button", name="Define attribute").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("cell", name=f"contract_{word}")).to_be_visible()
    screenshot(page, tmp_path, "admin-attributes")

    page.goto(desk.server.url + f"/customers/{comment['customer_id']}")
    page.get_by_label(f"Contract {word}").select_option("Plus")
    page.get_by_role("button", name="Save attributes").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".attributes")).to_contain_text(f"Contract {word}")
    expect(page.locator(".attributes")).to_contain_text("Plus")
