"""X: the CRC answer, the webhook signature, Account Activity payloads, sending, rate limits."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest

from channels.base import ChannelAccount, PermanentError, TemporaryError, ThreadRef, WebhookRejected
from channels.http import pack_secrets
from channels.x import XAdapter, x_error
from channels.x_payload import check_signature, crc_answer
from tests.fakes.desk import NetworkDesk
from tests.fakes.x_api import FakeX

CONSUMER_SECRET = "pQ9rS8tU7vW6xY5zA4bC3dE2fG1hI0jK"


def expected(secret: str, data: bytes) -> str:
    """X's documented scheme: sha256= base64 of HMAC-SHA256, keyed with the consumer secret."""
    return "sha256=" + base64.b64encode(
        hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


# -- verification ----------------------------------------------------------------------


def test_the_crc_answer() -> None:
    answer = crc_answer({"crc_token": "9b4507b3-9040-4669-9ed1-5c5e4d4b7d5a"}, CONSUMER_SECRET)
    assert answer == {"response_token": expected(CONSUMER_SECRET,
                                                 b"9b4507b3-9040-4669-9ed1-5c5e4d4b7d5a")}
    # A fixed vector: base64 of HMAC-SHA256("key", "The quick brown fox ...").
    assert crc_answer({"crc_token": "The quick brown fox jumps over the lazy dog"}, "key") == {
        "response_token": "sha256=97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="}
    with pytest.raises(WebhookRejected) as refused:
        crc_answer({}, CONSUMER_SECRET)
    assert refused.value.status == 400


def test_the_webhook_signature() -> None:
    body = b'{"for_user_id":"1"}'
    check_signature({"x-twitter-webhooks-signature": expected(CONSUMER_SECRET, body)}, body,
                    CONSUMER_SECRET)
    for headers in ({}, {"x-twitter-webhooks-signature": expected("other", body)},
                    {"x-twitter-webhooks-signature": expected(CONSUMER_SECRET, body + b"\n")}):
        with pytest.raises(WebhookRejected) as refused:
            check_signature(headers, body, CONSUMER_SECRET)
        assert refused.value.status == 401


# -- payloads ----------------------------------------------------------------------------


def parse(payload: dict, account_id: str) -> list:
    body = json.dumps(payload).encode()
    secrets = pack_secrets({"consumer_secret": CONSUMER_SECRET, "account_id": account_id})
    return XAdapter().parse_webhook(
        {"x-twitter-webhooks-signature": expected(CONSUMER_SECRET, body)}, body, secrets, 0)


def test_tweets_and_direct_messages_and_our_own_are_skipped() -> None:
    fake = FakeX()
    brand = fake.account()
    ines = fake.user("Ines Vogel")
    tweet = fake.tweet(ines, "@brand mein Router ist kaputt")
    [public] = parse(fake.tweet_webhook(brand, tweet), brand.id)
    assert (public.external_id, public.author_id, public.author_handle) == (
        tweet.id, ines.id, ines.screen_name)
    assert public.visibility == "public" and public.created_at is not None
    [private] = parse(fake.dm_webhook(brand, ines, "Meine Kundennummer ist 123"), brand.id)
    assert private.visibility == "private" and private.key() == f"dm:{ines.id}"
    assert private.author_name == "Ines Vogel"
    ours = fake.tweet(ines, "x")
    ours.author = brand
    assert parse(fake.tweet_webhook(brand, ours), brand.id) == []
    assert parse(fake.dm_webhook(brand, brand, "our answer", recipient=ines), brand.id) == []
    assert parse(fake.tweet_webhook(fake.account(), tweet), brand.id) == []  # another account


def test_a_customer_continuing_their_own_thread_stays_in_it() -> None:
    fake = FakeX()
    brand = fake.account()
    jan = fake.user("Jan")
    first = fake.tweet(jan, "Seit Stunden kein Netz")
    second = fake.tweet(jan, "Immer noch nichts", in_reply_to=first)
    [item] = parse(fake.tweet_webhook(brand, second), brand.id)
    assert item.key() == first.id


# -- errors and rate limits -------------------------------------------------------------


def test_errors_are_mapped() -> None:
    now = time.time()
    limited = x_error(httpx.Response(429, headers={"x-rate-limit-reset": str(int(now) + 90)},
                                     json={"title": "Too Many Requests"}), now)
    assert isinstance(limited, TemporaryError) and 85 <= (limited.retry_after or 0) <= 91
    assert isinstance(x_error(httpx.Response(503), now), TemporaryError)
    assert isinstance(x_error(httpx.Response(401, json={}), now), PermanentError)
    forbidden = x_error(httpx.Response(403, json={"detail": "You cannot send messages to this "
                                                            "user."}), now)
    assert isinstance(forbidden, PermanentError) and "cannot send messages" in forbidden.message


@pytest.fixture
def x_api() -> FakeX:
    fake = FakeX().start()
    yield fake  # type: ignore[misc]
    fake.stop()


async def test_sending_respects_the_rate_limit_headers(x_api: FakeX) -> None:
    brand = x_api.account()
    kim = x_api.user("Kim")
    tweet = x_api.tweet(kim, "Hallo @brand")
    adapter = XAdapter(x_api.base_url)
    account = ChannelAccount(1, "x", "Brand", brand.id, {},
                             pack_secrets({"access_token": brand.token, "account_id": brand.id}))
    ref = ThreadRef(tweet.id, tweet.id, kim.id, "public")
    sent = await adapter.send_public_reply(account, ref, "Wir helfen gern", "t1")
    assert x_api.tweets[sent.external_id].in_reply_to is tweet
    x_api.exhaust("tweets", reset_in=120)
    with pytest.raises(TemporaryError) as throttled:
        await adapter.send_public_reply(account, ref, "noch einmal", "t2")
    assert 100 <= (throttled.value.retry_after or 0) <= 121
    calls = len(x_api.requests)
    with pytest.raises(TemporaryError):  # known exhausted: not even asked again
        await adapter.send_public_reply(account, ref, "und noch einmal", "t3")
    assert len(x_api.requests) == calls
    dm = await adapter.send_private_message(account, ThreadRef(f"dm:{kim.id}", None, kim.id,
                                                               "private"), "Per DM", "d1")
    assert dm.external_id and x_api.sent_of("dm", kim.id)[0].text == "Per DM"
    closed = x_api.user("Lea", accepts_dms=False)
    with pytest.raises(PermanentError, match="cannot send messages"):
        await adapter.send_private_message(account, ThreadRef(f"dm:{closed.id}", None, closed.id,
                                                              "private"), "Hallo", "d2")
    revoked = ChannelAccount(1, "x", "Brand", brand.id, {}, pack_secrets({"access_token": "no"}))
    with pytest.raises(PermanentError, match="access token"):
        await adapter.send_private_message(revoked, ThreadRef(f"dm:{kim.id}", None, kim.id,
                                                              "private"), "Hallo", "d3")


# -- the desk's webhook endpoint ---------------------------------------------------------


def test_crc_and_events_through_the_desk(network_desk: NetworkDesk) -> None:
    desk, fake = network_desk, network_desk.x
    brand = fake.account()
    channel = desk.x_channel(brand)
    crc = desk.api.http.get(f"/webhooks/x/{channel}", params={"crc_token": "challenge-123"})
    assert crc.status_code == 200
    assert crc.json() == {"response_token": expected(brand.consumer_secret, b"challenge-123")}
    tweet = fake.tweet(fake.user("Mara"), "@brand Lieferung fehlt")
    payload = fake.tweet_webhook(brand, tweet)
    stored = [desk.post_x(channel, payload, brand.consumer_secret).json()["stored"]
              for _ in range(3)]
    assert stored == [1, 0, 0]
    body = json.dumps(payload).encode()
    json_type = {"Content-Type": "application/json"}
    forged = desk.api.http.post(f"/webhooks/x/{channel}", content=body, headers={
        **json_type, "x-twitter-webhooks-signature": expected("x", body)})
    missing = desk.api.http.post(f"/webhooks/x/{channel}", content=body, headers=json_type)
    assert (forged.status_code, missing.status_code) == (401, 401)
    # A Meta channel does not answer on the X path, nor the other way round.
    assert desk.api.http.get(f"/webhooks/meta/{channel}").status_code == 404
