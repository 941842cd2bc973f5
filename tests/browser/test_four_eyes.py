"""Four eyes in Chromium, in English and German: who can approve, a correction confirmed by
its author, a held reply confirmed on the approvals page, the hand-over to a colleague, and
refusals shown where the person acted."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.replies.desk import post, reply_state, submit, write_draft
from tests.support.desk_api import DeskApi, Person, item

pytestmark = pytest.mark.browser

LIVE_MS = 4000
# Screenshots a person looked at: TANDEM_SCREENSHOTS=folder keeps them.
SHOTS = os.environ.get("TANDEM_SCREENSHOTS")


def run(work: Coroutine[Any, Any, Any]) -> Any:
    """An asyncio helper (the co-editing client) beside Playwright's own loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def submitted(desk: Desk, api: DeskApi, writers: list[Person], text: str
              ) -> tuple[int, int, Callable[[str], None]]:
    """A public thread whose reply (written by `writers`, submitted by the first) waits for
    approval: (thread id, approval id, a way for the customer to write again)."""
    word = token()
    channel = api.webhook_channel()
    key = f"conv-{word}"
    api.ingest(channel, item(f"Frage {word}", thread=key))
    thread_id = api.thread_by_text(writers[0], word)["id"]
    for writer in reversed(writers):
        run(write_draft(desk.server.url, api, writer, thread_id, text))
    assert submit(api, writers[0], thread_id).json()["status"] == "pending"

    def customer_writes(again: str) -> None:
        api.ingest(channel, item(again, thread=key))

    return thread_id, reply_state(api, writers[0], thread_id)["approval"]["id"], customer_writes


def test_a_correction_is_confirmed_by_its_author_on_the_thread_page(
    desk: Desk, api: DeskApi
) -> None:
    agent = api.person(name=f"Anna {token()}")
    chef = api.person("supervisor", name=f"Chefin {token()}", language="de")
    thread_id, approval_id, _ = submitted(desk, api, [agent], "Wir schicken dir einen Router.")
    author = desk.sign_in(agent, f"/threads/{thread_id}")
    expect(author.locator("#reply-state")).to_have_text("Waiting for approval")

    approvals = desk.sign_in(chef, "/approvals")
    card = approvals.locator(f'.approval[data-id="{approval_id}"]')
    expect(card.locator(".approvers")).to_contain_text("Genehmigen können")
    # A refusal from the server shows on the card, where she acted.
    card.locator(".approval-comment").fill("x" * 2001)
    card.get_by_role("button", name="Zurückschicken").click()
    expect(card.locator(".action-error")).to_contain_text("comment", timeout=LIVE_MS)
    card.locator(".approval-text").fill("Wir schicken Ihnen morgen einen Router.")
    card.get_by_role("button", name="Genehmigen").click()

    expect(card.locator(".reply-state")).to_contain_text(
        "Eine Autorin oder ein Autor bestätigt die Korrektur", timeout=LIVE_MS)
    expect(author.locator("#reply-state")).to_contain_text(
        "an author confirms the correction", timeout=LIVE_MS)
    expect(author.locator("#reply-diff ins")).to_have_text("Ihnen morgen")
    shot(author, "correction-to-confirm-en")
    shot(approvals, "correction-waiting-de")
    author.get_by_role("button", name="Confirm the correction and send").click()

    sent = author.locator("#messages .message").last
    expect(sent).to_contain_text("Wir schicken Ihnen morgen einen Router.", timeout=LIVE_MS)
    expect(sent.locator(".message-credits")).to_have_text(f"corrected by {chef.name}")
    expect(card).to_have_count(0, timeout=LIVE_MS)


def test_a_held_reply_is_confirmed_on_the_approvals_page_and_the_thread_follows(
    desk: Desk, api: DeskApi
) -> None:
    agent = api.person(name=f"Arne {token()}")
    chef = api.person("supervisor", name=f"Chef {token()}", language="de")
    thread_id, approval_id, customer_writes = submitted(desk, api, [agent],
                                                        "Der Techniker kommt um 9.")
    author = desk.sign_in(agent, f"/threads/{thread_id}")
    # The customer writes after the reply was submitted: approving holds it.
    customer_writes("Geht auch 10 Uhr?")
    held = post(api, chef, f"/api/approvals/{approval_id}/approve")
    assert held.json()["status"] == "held", held.text

    expect(author.locator("#reply-held-confirm")).to_be_visible(timeout=LIVE_MS)
    approvals = desk.sign_in(chef, "/approvals")
    card = approvals.locator(f'.approval[data-id="{approval_id}"]')
    expect(card.locator(".reply-state")).to_contain_text("neue Nachrichten")
    card.get_by_role("button", name="Bestätigen: neue Nachrichten lesen").click()
    expect(card.locator(".unseen-list")).to_contain_text("Geht auch 10 Uhr?", timeout=LIVE_MS)
    shot(approvals, "held-read-first-de")
    card.get_by_role("button", name="Gelesen: senden").click()

    expect(card).to_have_count(0, timeout=LIVE_MS)
    expect(author.locator("#reply-held-confirm")).to_be_hidden(timeout=LIVE_MS)
    expect(author.locator("#messages .message").last).to_contain_text(
        "Der Techniker kommt um 9.", timeout=LIVE_MS)


def test_who_can_approve_a_warning_before_submitting_and_the_hand_over(
    desk: Desk, api: DeskApi
) -> None:
    agent = api.person(name=f"Alma {token()}")
    co_writer = api.person("supervisor", name=f"Sven {token()}")
    colleague = api.person("supervisor", name=f"Kollegin {token()}", language="de")
    word = token()
    channel = api.webhook_channel()
    api.ingest(channel, item(f"Frage {word}", thread=f"conv-{word}"))
    thread_id = api.thread_by_text(agent, word)["id"]
    run(write_draft(desk.server.url, api, co_writer, thread_id, "Wir prüfen das."))

    author = desk.sign_in(agent, f"/threads/{thread_id}")
    # Nobody who may approve is online yet: she is told before she submits.
    expect(author.locator("#reply-approvers-warning")).to_contain_text(
        "nobody who may approve it is online", timeout=LIVE_MS)
    shot(author, "warning-before-submit-en")
    author.get_by_role("button", name="Send reply").click()
    expect(author.locator("#reply-state")).to_have_text("Waiting for approval", timeout=LIVE_MS)

    other = desk.sign_in(colleague, "/approvals")
    sven = desk.sign_in(co_writer, f"/threads/{thread_id}")
    expect(sven.locator("#reply-own")).to_be_visible(timeout=LIVE_MS)
    expect(sven.locator("#reply-approvers")).not_to_contain_text(co_writer.name)
    expect(sven.locator("#reply-approvers")).to_contain_text(f"{colleague.name} (online)")
    sven.locator("#reply-handover-to").select_option(label=colleague.name)
    sven.get_by_role("button", name="Hand over").click()

    expect(other.locator(".toast")).to_contain_text("zur Genehmigung übergeben",
                                                    timeout=LIVE_MS)
    approval_id = reply_state(api, agent, thread_id)["approval"]["id"]
    card = other.locator(f'.approval[data-id="{approval_id}"]')
    expect(card.locator(".reply-state")).to_contain_text(f"übergeben an {colleague.name}",
                                                         timeout=LIVE_MS)
    expect(author.locator("#reply-state")).to_contain_text(f"handed to {colleague.name}",
                                                           timeout=LIVE_MS)
    shot(other, "handed-over-de")
    shot(sven, "hand-over-en")


def test_the_policy_form_sets_who_confirms_a_correction(desk: Desk, api: DeskApi) -> None:
    chef = api.person("supervisor", name=f"Leitung {token()}", language="de")
    before = api.http.get("/api/approval-policy", headers=api.admin).json()["policy"]
    page = desk.sign_in(chef, "/approvals")
    try:
        page.get_by_text("Welche Antworten eine Genehmigung brauchen").click()
        expect(page.locator("#policy-corrections")).to_have_value(before["corrections"])
        page.get_by_label("Wer einen von der Freigabe korrigierten Text bestätigt").select_option(
            "approver")
        page.get_by_role("button", name="Richtlinie speichern").click()
        expect(page.locator(".toast")).to_contain_text("Gespeichert", timeout=LIVE_MS)

        policy = api.http.get("/api/approval-policy", headers=api.admin).json()["policy"]
        assert policy == {**before, "corrections": "approver"}
    finally:
        api.http.put("/api/approval-policy", headers=api.admin, json={"policy": before})
