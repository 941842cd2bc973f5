"""A desk process SIGKILLed in the middle of a webhook stream.

Four senders push items one by one; each retries what was not acknowledged (a refused
connection, a cut one, a 503), as a network does. The process is killed after some
acknowledgements and started again on the same port. Every acknowledged item is stored
once, every item ends up stored once, and the board page open in Chromium says
"reconnecting" while its socket is down and catches up without reloading.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from channels.webhook import sign
from tests.browser.helpers import card
from tests.conftest import ADMIN_EMAIL, prepare
from tests.faults.browser import signed_in
from tests.faults.rows import query
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, WebhookChannel, item
from tests.support.servers import DeskServer

pytestmark = pytest.mark.browser

SENDERS = 4
ITEMS_EACH = 30
KILL_AFTER = 40  # acknowledgements


class Sender(threading.Thread):
    def __init__(self, url: str, channel: WebhookChannel, prefix: str,
                 acknowledged: list[str], lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.url, self.channel = url, channel
        self.items = [item(f"{prefix} {n:03d}") for n in range(ITEMS_EACH)]
        self.acknowledged, self.lock = acknowledged, lock
        self.retries = 0
        self.failure: str | None = None

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as http:
            for sent in self.items:
                if not self._deliver(http, sent):
                    return

    def _deliver(self, http: httpx.Client, sent: dict) -> bool:
        body = json.dumps(sent).encode()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stamp = str(int(time.time()))
            try:
                answer = http.post(f"/webhooks/generic/{self.channel.id}", content=body, headers={
                    "Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
                    "X-Tandem-Signature": sign(self.channel.secret, stamp, body)})
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                with self.lock:
                    self.acknowledged.append(sent["id"])
                return True
            if answer is not None and answer.status_code != 503:
                self.failure = f"{answer.status_code} {answer.text}"
                return False
            self.retries += 1
            time.sleep(0.1)
        self.failure = f"{sent['id']} never acknowledged"
        return False


def test_a_killed_worker_loses_nothing_it_acknowledged(
    browser: Browser, fresh_backend: Backend, tmp_path: Path,
) -> None:
    token = prepare(fresh_backend)
    desk = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    api = DeskApi(desk.url, token)
    try:
        channel = api.webhook_channel("Killed mid-ingest")
        page = signed_in(browser, desk.url, ADMIN_EMAIL, "admin password 123")
        page.evaluate("window.notReloaded = true")
        acknowledged: list[str] = []
        lock = threading.Lock()
        senders = [Sender(desk.url, channel, f"kill-{n}", acknowledged, lock)
                   for n in range(SENDERS)]
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < KILL_AFTER:
            assert time.monotonic() < deadline, "the stream did not get going"
            time.sleep(0.01)

        desk.kill()
        with lock:
            acknowledged_before_kill = list(acknowledged)
        expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
        desk.start()
        for sender in senders:
            sender.join(90)
        assert [s.failure for s in senders] == [None] * SENDERS
        assert sum(s.retries for s in senders) > 0  # the kill did cut the stream

        expect(page.locator("#connection")).to_have_attribute("data-state", "live",
                                                              timeout=15000)
        last = senders[0].items[-1]["text"]
        expect(card(page, last)).to_be_visible(timeout=15000)
        assert page.evaluate("window.notReloaded") is True

        stored = [row[0] for row in query(
            fresh_backend.database_url,
            "SELECT external_id FROM message WHERE channel_id = :channel", channel=channel.id)]
        every_item = [i["id"] for s in senders for i in s.items]
        assert sorted(stored) == sorted(every_item)  # each once, the retried ones too
        assert set(acknowledged_before_kill) <= set(stored)
    finally:
        api.close()
        desk.stop()
