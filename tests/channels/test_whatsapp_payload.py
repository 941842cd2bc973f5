"""WhatsApp Cloud API, without a desk: verification, payloads, errors, the window."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from channels.base import DeliveryUpdate, PermanentError, TemporaryError, WebhookRejected
from channels.errors import InvalidSetting
from channels.http import pack_secrets
from channels.whatsapp import WhatsAppAdapter, send_error, template_parameter, window_open
from server.actions.deliveries import moves_forward
from tests.fakes.whatsapp_cloud import FakeWhatsApp, Sent, wamid

APP_SECRET = "b5c0e2a4f6d8193a5c7e9b1d3f5a7c9e"
adapter = WhatsAppAdapter()


def signature(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as Meta documents it: sha256= hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def secrets_of(number_id: str = "", verify_token: str = "") -> str:
    return pack_secrets({"app_secret": APP_SECRET, "account_id": number_id,
                         "verify_token": verify_token})


def signed(payload: dict) -> tuple[dict[str, str], bytes]:
    body = json.dumps(payload).encode()
    return {"x-hub-signature-256": signature(APP_SECRET, body)}, body


# -- verification ----------------------------------------------------------------------


def test_a_webhook_is_verified_with_the_app_secret() -> None:
    fake = FakeWhatsApp()
    number = fake.number()
    payload, _ = fake.message_webhook(number, fake.customer("Lena"), "Hallo")
    headers, body = signed(payload)
    # A fixed vector, so a change of algorithm cannot hide behind the same helper.
    assert signature("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    assert FakeWhatsApp.signed(payload, APP_SECRET)[1]["X-Hub-Signature-256"] == signature(
        APP_SECRET, body)
    assert len(adapter.parse_webhook(headers, body, secrets_of(number.id), 0)) == 1
    for wrong in ({}, {"x-hub-signature-256": signature("other", body)},
                  {"x-hub-signature-256": signature(APP_SECRET, body + b" ")}):
        with pytest.raises(WebhookRejected) as refused:
            adapter.parse_webhook(wrong, body, secrets_of(number.id), 0)
        assert refused.value.status == 401
        with pytest.raises(WebhookRejected):
            adapter.parse_with_deliveries(wrong, body, secrets_of(number.id), 0)


def test_the_handshake_echoes_the_challenge_for_the_verify_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "wa-vt", "hub.challenge": "1158201444"}
    answer = adapter.answer_handshake(query, secrets_of(verify_token="wa-vt"))
    assert (answer.body, answer.media_type) == ("1158201444", "text/plain")
    for wrong, status in [({"hub.verify_token": "nope"}, 403), ({"hub.mode": "x"}, 400),
                          ({"hub.challenge": ""}, 400)]:
        with pytest.raises(WebhookRejected) as refused:
            adapter.answer_handshake({**query, **wrong}, secrets_of(verify_token="wa-vt"))
        assert refused.value.status == status


def test_other_objects_and_garbage_are_refused() -> None:
    for payload, words in [({"object": "page", "entry": []}, "whatsapp_business_account"),
                           ({"object": "whatsapp_business_account"}, "entry")]:
        headers, body = signed(payload)
        with pytest.raises(WebhookRejected, match=words):
            adapter.parse_webhook(headers, body, secrets_of(), 0)
    garbage = b"{not json"
    with pytest.raises(WebhookRejected) as refused:
        adapter.parse_webhook({"x-hub-signature-256": signature(APP_SECRET, garbage)}, garbage,
                              secrets_of(), 0)
    assert refused.value.status == 400


# -- payloads ----------------------------------------------------------------------------


def test_a_text_message_becomes_a_private_item_with_the_profile_name() -> None:
    fake = FakeWhatsApp()
    number, lena = fake.number(), fake.customer("Lena Roth")
    payload, wamid = fake.message_webhook(number, lena, "Wo ist mein Paket?",
                                          age=timedelta(hours=2), reply_to="wamid.earlier")
    [item] = adapter.parse_webhook(*signed(payload), secrets_of(number.id), 0)
    assert (item.external_id, item.author_id, item.author_name, item.text, item.visibility) == (
        wamid, lena.wa_id, "Lena Roth", "Wo ist mein Paket?", "private")
    assert item.author_handle == f"+{lena.wa_id}" and item.reply_to == "wamid.earlier"
    assert item.key() == f"dm:{lena.wa_id}"
    assert item.created_at is not None and item.created_at < datetime.now(UTC) - timedelta(hours=1)
    # Another number of the same app is not this channel's.
    assert adapter.parse_webhook(*signed(payload), secrets_of("999"), 0) == []


def test_other_kinds_of_message_show_as_their_kind_and_reactions_are_skipped() -> None:
    fake = FakeWhatsApp()
    number, lena = fake.number(), fake.customer("Lena")
    payload, _ = fake.message_webhook(number, lena, "x")
    value = payload["entry"][0]["changes"][0]["value"]
    base = value["messages"][0]
    value["messages"] = [
        {**base, "id": "wamid.1", "type": "image", "image": {"caption": "Kaputt"}},
        {**base, "id": "wamid.2", "type": "button", "button": {"text": "Ja, bitte"}},
        {**base, "id": "wamid.3", "type": "reaction", "reaction": {"emoji": "👍"}},
        {**base, "id": "wamid.4", "type": "audio", "audio": {"id": "1"}},
    ]
    items = adapter.parse_webhook(*signed(payload), secrets_of(number.id), 0)
    assert [i.text for i in items] == ["[image] Kaputt", "Ja, bitte", "[audio]"]
    assert adapter.parse_with_deliveries(*signed(payload), secrets_of(number.id), 0)[1] == []


def test_statuses_become_delivery_updates_and_failures_say_why() -> None:
    fake = FakeWhatsApp()
    number, lena = fake.number(), fake.customer("Lena")
    sent = Sent("text", lena.wa_id, "Hallo", wamid(), {})
    read = fake.status_webhook(number, sent, "read")
    failed = fake.status_webhook(number, sent, "failed", error=131026)
    assert adapter.parse_with_deliveries(*signed(read), secrets_of(number.id), 0)[1] == [
        DeliveryUpdate(sent.id, "read")]
    [update] = adapter.parse_with_deliveries(*signed(failed), secrets_of(number.id), 0)[1]
    assert update.status == "failed" and "131026" in (update.error or "")
    assert "could not deliver" in (update.error or "")
    # Statuses are no customer messages.
    assert adapter.parse_webhook(*signed(read), secrets_of(number.id), 0) == []


def test_a_status_never_goes_back() -> None:
    assert moves_forward("sent", "delivered") and moves_forward("delivered", "read")
    assert moves_forward("sent", "read")  # "delivered" may come late, or never
    assert not moves_forward("read", "sent") and not moves_forward("read", "delivered")
    assert not moves_forward("read", "read")
    assert moves_forward("sent", "failed") and not moves_forward("delivered", "failed")
    assert not moves_forward("failed", "delivered")


# -- errors ------------------------------------------------------------------------------


def cloud_error(code: int, status: int = 400) -> httpx.Response:
    return httpx.Response(status, json={"error": {
        "message": f"(#{code}) something", "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": "details here"}}})


def mapped(response: httpx.Response) -> Exception:
    return send_error(response.status_code, response.json(), response.text)


@pytest.mark.parametrize(("code", "words"), [
    (130429, "sending limit"), (131056, "this customer"), (131048, "spam"),
])
def test_rate_limits_are_temporary_with_a_clear_reason(code: int, words: str) -> None:
    error = mapped(cloud_error(code))
    assert isinstance(error, TemporaryError) and words in error.message
    assert error.retry_after and str(code) in error.message


@pytest.mark.parametrize(("code", "status", "words"), [
    (131047, 400, "24 hours"), (131026, 400, "could not deliver"), (190, 401, "access token"),
    (132001, 404, "template"), (131009, 400, "details here"),
])
def test_refusals_are_permanent_with_a_clear_reason(code: int, status: int, words: str) -> None:
    error = mapped(cloud_error(code, status))
    assert isinstance(error, PermanentError) and words in error.message


def test_outages_are_temporary() -> None:
    assert isinstance(mapped(cloud_error(131000, 500)), TemporaryError)
    assert isinstance(send_error(502, {}, "Bad gateway"), TemporaryError)


# -- the window and the template ----------------------------------------------------------


def test_the_window_is_24_hours_after_the_customers_last_message() -> None:
    now = datetime.now(UTC)
    assert window_open(now - timedelta(hours=23), now)
    assert not window_open(now - timedelta(hours=25), now)
    assert window_open((now - timedelta(hours=1)).replace(tzinfo=None), now)  # SQLite's naive UTC
    assert not window_open(None, now)


def test_a_template_parameter_has_no_line_breaks_or_long_runs_of_spaces() -> None:
    assert template_parameter("Hallo Lena,\n\nIhr Paket\tkommt      morgen.") == (
        "Hallo Lena, Ihr Paket kommt   morgen.")


def test_connecting_checks_the_number_and_the_template() -> None:
    adapter.check_fields({"account_id": "106540352242922", "template_name": "reply_later",
                          "template_language": "de"})
    adapter.check_fields({"account_id": "106540352242922"})
    for values, words in [
        ({"account_id": "+49 151 123"}, "phone number id"),
        ({"template_name": "Reply Later", "template_language": "de"}, "lowercase"),
        ({"template_name": "reply_later"}, "language code"),
        ({"template_language": "en_US"}, "template name"),
    ]:
        with pytest.raises(InvalidSetting, match=words):
            adapter.check_fields(values)
    assert adapter.window_template({"template_name": "reply_later"}) == "reply_later"
    assert adapter.window_template({}) is None
