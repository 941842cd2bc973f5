"""The thread page's escalation panel follows what others do, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Desk
from tests.browser.helpers import token
from tests.fakes.desk import connect_meta, post_meta
from tests.fakes.meta_graph import FakeMeta
from tests.support.desk_api import DeskApi

pytestmark = pytest.mark.browser

LIVE_MS = 3000


def test_taking_a_comment_private_shows_on_an_open_thread_page(
        desk: Desk, api: DeskApi, fake_meta: FakeMeta) -> None:
    word = token()
    page = fake_meta.account("facebook")
    channel = connect_meta(api, page)
    comment = fake_meta.comment(page, fake_meta.customer(f"Kunde {word}"), f"Strom weg {word}")
    assert post_meta(api, channel, fake_meta.comment_webhook(comment), page.app_secret).is_success
    watcher, supervisor = api.person(), api.person("supervisor")
    public = api.thread_by_text(watcher, word)

    shown = desk.sign_in(watcher, f"/threads/{public['id']}")
    panel = shown.locator("#escalation")
    expect(panel).to_contain_text("Private reply possible until")

    taken = api.call(supervisor, "POST", f"/api/threads/{public['id']}/take-private",
                     json={"text": "Wir melden uns privat."})
    assert taken.status_code == 200, taken.text

    link = panel.get_by_role("link", name="private follow-up")
    expect(link).to_be_visible(timeout=LIVE_MS)
    expect(link).to_have_attribute("href", f"/threads/{taken.json()['private_thread_id']}")
