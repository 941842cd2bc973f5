"""channels/x_payload.py: X's Account Activity payloads in the desk's words."""

from __future__ import annotations

import json

import pytest

from channels.base import WebhookRejected
from channels.x_payload import parse
from tests.fakes.x_api import FakeX


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_a_tweet_at_the_account_is_a_public_item_and_its_own_follow_up_stays_with_it() -> None:
    x = FakeX()
    brand, carl = x.account(), x.user("Carl Brandt")
    first = x.tweet(carl, "@brand Three weeks!")
    again = x.tweet(carl, "Still nothing.", in_reply_to=first)

    [item] = parse(body(x.tweet_webhook(brand, first)), brand.id)
    [follow_up] = parse(body(x.tweet_webhook(brand, again)), brand.id)

    assert (item.external_id, item.author_id, item.author_handle) == (
        first.id, carl.id, carl.screen_name)
    assert item.visibility == "public" and item.thread_key is None
    assert item.created_at is not None
    assert follow_up.thread_key == first.id and follow_up.reply_to == first.id


def test_a_direct_message_is_private_and_what_the_account_sent_is_skipped() -> None:
    x = FakeX()
    brand, carl = x.account(), x.user("Carl Brandt")

    [item] = parse(body(x.dm_webhook(brand, carl, "Order A-17")), brand.id)
    assert (item.visibility, item.text, item.author_name) == ("private", "Order A-17",
                                                               "Carl Brandt")
    assert parse(body(x.dm_webhook(brand, brand, "our own answer", recipient=carl)),
                 brand.id) == []
    # Events for another account of the same app are not this channel's.
    assert parse(body(x.dm_webhook(brand, carl, "hi")), "someone-else") == []


def test_retweets_empty_texts_and_broken_bodies() -> None:
    x = FakeX()
    brand, carl = x.account(), x.user("Carl")
    payload = x.tweet_webhook(brand, x.tweet(carl, "RT"))
    payload["tweet_create_events"][0]["retweeted_status"] = {"id_str": "1"}
    assert parse(body(payload), brand.id) == []
    payload = x.tweet_webhook(brand, x.tweet(carl, "   "))
    assert parse(body(payload), brand.id) == []
    for broken in (b"{not json", b"[1]"):
        with pytest.raises(WebhookRejected) as refused:
            parse(broken, brand.id)
        assert refused.value.status == 400
