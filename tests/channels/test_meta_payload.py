"""channels/meta_payload.py: Facebook and Instagram webhooks in the desk's words."""

from __future__ import annotations

import json

import pytest

from channels.base import WebhookRejected
from channels.meta_payload import parse
from tests.fakes.meta_graph import FakeMeta


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_a_comment_is_a_public_item_of_its_post_and_a_message_a_private_one() -> None:
    meta = FakeMeta()
    page, fiona = meta.account("facebook"), meta.customer("Fiona")
    comment = meta.comment(page, fiona, "Where is my order?")

    [item] = parse(body(meta.comment_webhook(comment)), "facebook", page.id)
    [message] = parse(body(meta.message_webhook(page, fiona, "Privately")), "facebook", page.id)

    assert (item.external_id, item.author_id, item.visibility) == (
        comment.id, fiona.user_id, "public")
    assert item.text == "Where is my order?" and item.author_name == "Fiona"
    # On Facebook the commenter and the Messenger sender have different ids.
    assert (message.author_id, message.visibility) == (fiona.psid, "private")


def test_what_the_page_itself_wrote_and_other_accounts_entries_are_skipped() -> None:
    meta = FakeMeta()
    page, fiona = meta.account("facebook"), meta.customer("Fiona")

    echo = meta.message_webhook(page, fiona, "our answer", echo=True)
    assert parse(body(echo), "facebook", page.id) == []
    comment = meta.comment(page, fiona, "hello")
    assert parse(body(meta.comment_webhook(comment)), "facebook", "another-page") == []


def test_an_instagram_comment_and_the_wrong_object_for_the_channel() -> None:
    meta = FakeMeta()
    account, ines = meta.account("instagram"), meta.customer("ines", "instagram")
    payload = meta.comment_webhook(meta.comment(account, ines, "Love it"))

    [item] = parse(body(payload), "instagram", account.id)
    assert (item.author_id, item.text) == (ines.user_id, "Love it")
    with pytest.raises(WebhookRejected) as refused:
        parse(body(payload), "facebook", account.id)
    assert refused.value.status == 400 and "object must be page" in refused.value.message
    for broken in (b"nope", body({"object": "page"}), body({"object": "page", "entry": [1]})):
        with pytest.raises(WebhookRejected):
            parse(broken, "facebook", None)
