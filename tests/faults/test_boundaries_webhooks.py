"""Hostile webhook bodies get a clear 400/404/413/415 naming what is wrong, and store nothing.

Each case runs against the real desk and counts its rows (threads, messages, events,
contacts, audit) before and after; a valid item sent last proves the desk still takes work.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from channels.webhook import sign
from tests.fakes.desk import connect_meta
from tests.fakes.meta_graph import Account, FakeMeta
from tests.faults.rows import counts
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, WebhookChannel, item

TOO_BIG_IDS = [2**31, 2**63, 10**30]


@pytest.fixture(scope="module")
def channel(api: DeskApi) -> WebhookChannel:
    return api.webhook_channel("Boundaries")


@pytest.fixture(scope="module")
def meta_page(api: DeskApi, fake_meta: FakeMeta) -> tuple[int, Account]:
    page = fake_meta.account("facebook")
    return connect_meta(api, page), page


@pytest.fixture
def unchanged(backend: Backend) -> Iterator[None]:
    before = counts(backend.database_url)
    yield
    assert counts(backend.database_url) == before


def signed_post(api: DeskApi, channel: WebhookChannel, body: bytes,
                content_type: str | None = "application/json") -> Any:
    stamp = str(int(time.time()))
    headers = {"X-Tandem-Timestamp": stamp, "X-Tandem-Signature": sign(channel.secret, stamp, body)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.http.post(f"/webhooks/generic/{channel.id}", content=body, headers=headers)


def refusal(answer: Any, status: int) -> str:
    """The webhooks' documented refusal: {"error": "<one line naming what is wrong>"}."""
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert isinstance(message, str) and message
    return message


def deep(levels: int) -> bytes:
    """One valid item whose extra field nests `levels` deep: about 2 bytes a level."""
    head = json.dumps(item("deep"))[:-1].encode()
    return head + b', "extra": ' + b"[" * levels + b"]" * levels + b"}"


def test_json_nested_five_thousand_deep_is_refused_before_parsing(
    api: DeskApi, channel: WebhookChannel, unchanged: None,
) -> None:
    body = deep(5000)
    assert len(body) < 11_000
    assert "deeper than" in refusal(signed_post(api, channel, body), 400)


@pytest.mark.parametrize(("field", "value"), [
    ("text", "before\x00after"), ("id", "item-\x00"), ("author.id", "a\x00"),
    ("author.name", "Jana\x00"), ("text", "lonely \ud800 half"),
    ("author.name", "\ud800"), ("thread", "key\x00"),
])
def test_text_no_database_can_hold_is_refused_naming_the_field(
    api: DeskApi, channel: WebhookChannel, unchanged: None, field: str, value: str,
) -> None:
    sent = item("a fine text")
    if field.startswith("author."):
        sent["author"][field.split(".")[1]] = value
    else:
        sent[field] = value
    body = json.dumps(sent).encode()  # ensure_ascii: \u0000 and \ud800 travel as escapes
    assert b"\\u" in body
    message = refusal(signed_post(api, channel, body), 400)
    assert message.startswith(field)


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                    "1900-01-01T00:00:00Z", "2999-01-01T00:00:00"])
def test_times_outside_a_sane_window_are_refused(
    api: DeskApi, channel: WebhookChannel, unchanged: None, moment: str,
) -> None:
    body = json.dumps(item("when?", created_at=moment)).encode()
    assert "created_at" in refusal(signed_post(api, channel, body), 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_body_not_declared_json_is_415(
    api: DeskApi, channel: WebhookChannel, unchanged: None, content_type: str | None,
) -> None:
    body = json.dumps(item("typed wrong")).encode()
    assert "application/json" in refusal(signed_post(api, channel, body, content_type), 415)


def test_json_with_a_charset_is_json(api: DeskApi, channel: WebhookChannel) -> None:
    body = json.dumps(item("mit Zeichensatz")).encode()
    answer = signed_post(api, channel, body, "application/json; charset=utf-8")
    assert answer.json() == {"stored": 1, "duplicates": 0}


def test_a_body_over_a_mebibyte_is_413(
    api: DeskApi, channel: WebhookChannel, unchanged: None,
) -> None:
    body = json.dumps(item("x" * (1024 * 1024))).encode()
    refusal(signed_post(api, channel, body), 413)


@pytest.mark.parametrize("channel_id", TOO_BIG_IDS)
def test_channel_ids_past_the_column_name_no_channel(
    api: DeskApi, channel: WebhookChannel, unchanged: None, channel_id: int,
) -> None:
    body = json.dumps(item("nowhere")).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Tandem-Timestamp": stamp,
               "X-Tandem-Signature": sign(channel.secret, stamp, body)}
    for path in ("generic", "x", "meta", "whatsapp", "telegram"):
        posted = api.http.post(f"/webhooks/{path}/{channel_id}", content=body, headers=headers)
        refusal(posted, 404)
    for path in ("x", "meta"):  # the subscription handshakes
        asked = api.http.get(f"/webhooks/{path}/{channel_id}", params={
            "hub.mode": "subscribe", "hub.verify_token": "t", "hub.challenge": "1",
            "crc_token": "c"})
        refusal(asked, 404)


def meta_comment(fake_meta: FakeMeta, page: Account, text: str) -> dict[str, Any]:
    return fake_meta.comment_webhook(fake_meta.comment(page, fake_meta.customer("Gerd"), text))


@pytest.mark.parametrize("text", ["nul \x00 inside", "half \udfff a pair"])
def test_a_network_webhook_with_unstorable_text_is_refused(
    api: DeskApi, fake_meta: FakeMeta, meta_page: tuple[int, Account], unchanged: None,
    text: str,
) -> None:
    channel_id, page = meta_page
    body, headers = FakeMeta.signed(meta_comment(fake_meta, page, text), page.app_secret)
    answer = api.http.post(f"/webhooks/meta/{channel_id}", content=body, headers=headers)
    assert refusal(answer, 400).startswith("text")


def test_a_network_webhook_nested_deep_or_untyped_is_refused(
    api: DeskApi, fake_meta: FakeMeta, meta_page: tuple[int, Account], unchanged: None,
) -> None:
    channel_id, page = meta_page
    url = f"/webhooks/meta/{channel_id}"
    nested = b'{"object": "page", "entry": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    headers = FakeMeta.signed({}, page.app_secret)[1]  # depth is checked before signatures
    assert "deeper than" in refusal(api.http.post(url, content=nested, headers=headers), 400)
    body, headers = FakeMeta.signed(meta_comment(fake_meta, page, "untyped"), page.app_secret)
    untyped = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    refusal(api.http.post(url, content=body, headers={**untyped, "Content-Type": "text/plain"}),
            415)


def test_the_desk_still_takes_a_valid_item_afterwards(
    api: DeskApi, channel: WebhookChannel,
) -> None:
    answer = signed_post(api, channel, json.dumps(item("still open for business")).encode())
    assert answer.json() == {"stored": 1, "duplicates": 0}
