"""channels/telegram_payload.py: Telegram Bot API Updates in the desk's words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels.base import WebhookRejected
from channels.telegram_payload import message_key, parse, split_key

BOT = "777"


def update(**message: Any) -> bytes:
    base: dict[str, Any] = {"message_id": 5, "date": 1764770000,
                            "from": {"id": 42, "first_name": "Tom", "username": "tom"},
                            "chat": {"id": 42, "type": "private"}, "text": "Hello"}
    return json.dumps({"update_id": 1, "message": {**base, **message}}).encode()


def test_a_private_chat_message_is_a_private_item_of_that_person() -> None:
    [item] = parse(update(), BOT)

    assert (item.external_id, item.author_id, item.author_handle) == (
        message_key(42, 5), "42", "tom")
    assert item.visibility == "private" and item.thread_key is None
    assert split_key(item.external_id) == ("42", 5)


def test_a_group_message_is_public_and_an_answer_joins_what_it_answers() -> None:
    group = {"id": -100, "type": "supergroup", "title": "Fans"}
    [item] = parse(update(chat=group, reply_to_message={"message_id": 3}), BOT)

    assert item.visibility == "public"
    assert item.reply_to == message_key(-100, 3) and item.thread_key == item.reply_to


def test_the_bot_its_start_command_and_non_text_updates_are_skipped() -> None:
    assert parse(update(**{"from": {"id": int(BOT), "first_name": "Bot"}}), BOT) == []
    assert parse(update(text="/start"), BOT) == []
    assert parse(update(text=None), BOT) == []
    assert parse(json.dumps({"update_id": 2, "edited_message": {}}).encode(), BOT) == []
    for broken in (b"{", json.dumps({"message": {}}).encode()):
        with pytest.raises(WebhookRejected):
            parse(broken, BOT)
