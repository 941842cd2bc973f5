"""Finding things on the board and thread pages the way a person does."""

from __future__ import annotations

import secrets

from playwright.sync_api import Locator, Page, expect


def token() -> str:
    """A word no other test's posts contain, so a shared board can be searched for them."""
    return "t" + secrets.token_hex(4)


def card(page: Page, text: str) -> Locator:
    """The board row that shows `text`."""
    return page.locator("#cards [role=option]", has_text=text)


def rows(page: Page) -> Locator:
    return page.locator("#cards [role=option]")


def selected(page: Page) -> Locator:
    return page.locator("#cards [role=option][aria-selected=true]")


def search(page: Page, text: str) -> None:
    """Search as a person would: '/', the words, Escape back to the list."""
    page.locator("#cards").focus()
    page.keyboard.press("/")
    field = page.locator("#filters input[name=q]")
    expect(field).to_be_focused()
    field.fill(text)
    page.keyboard.press("Escape")
    expect(page.locator("#cards")).to_be_focused()
