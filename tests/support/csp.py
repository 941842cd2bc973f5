"""Every Chromium page a test opens reports Content-Security-Policy violations; any one
fails the test that caused it (a page the policy breaks is a broken page)."""

from __future__ import annotations

import threading
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage

# Refusals the desk makes on purpose. Redoc shows a "powered by" logo from its makers' CDN
# and drops it when it cannot load: the reference page calls out to no one.
ON_PURPOSE = ("https://cdn.redoc.ly/",)
_lock = threading.Lock()
_seen: list[str] = []


def _console(message: ConsoleMessage) -> None:
    # Chromium reports each refusal on the console: "Refused to ... because it violates the
    # following Content Security Policy directive: ...".
    if "Content Security Policy" in message.text and not any(
        f"'{url}" in message.text for url in ON_PURPOSE
    ):
        with _lock:
            _seen.append(f"{message.location.get('url', '?')}: {message.text}")


def watch_every_browser() -> None:
    """Listen on every context any test makes (the drafts' own Chromium included)."""
    original = Browser.new_context
    if getattr(original, "watches_csp", False):
        return

    def new_context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        context = original(self, *args, **kwargs)
        context.on("console", _console)
        return context

    new_context.watches_csp = True  # type: ignore[attr-defined]
    Browser.new_context = new_context  # type: ignore[method-assign]


def take_violations() -> list[str]:
    with _lock:
        seen = list(_seen)
        _seen.clear()
    return seen
