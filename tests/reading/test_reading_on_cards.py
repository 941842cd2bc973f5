"""Every inbound message is read at ingest; its thread's card shows and filters by it."""

from __future__ import annotations

import secrets

import pytest

from tests.support.desk_api import DeskApi, Person, WebhookChannel, item


@pytest.fixture
def channel(api: DeskApi) -> WebhookChannel:
    return api.webhook_channel()


@pytest.fixture
def person(api: DeskApi) -> Person:
    return api.person()


@pytest.fixture
def tag() -> str:
    """A word only this test's posts contain."""
    return secrets.token_hex(4)


def test_a_german_complaint_through_the_webhook_shows_de_and_negative_on_its_card(
    api: DeskApi, channel: WebhookChannel, person: Person, tag: str,
) -> None:
    text = f"{tag} Seit drei Tagen kein Internet und niemand meldet sich. Echt eine Frechheit!"

    api.ingest(channel, item(text))

    card = api.thread_by_text(person, tag)
    assert card["reading"]["language"] == "de"
    assert card["reading"]["label"] == "negative"
    assert -1 <= card["reading"]["score"] < 0
    detail = api.call(person, "GET", f"/api/threads/{card['id']}").json()
    assert detail["thread"]["reading"] == card["reading"]
    assert detail["messages"][0]["reading"] == card["reading"]


def test_the_card_follows_the_newest_inbound_message_and_the_filter_follows_the_card(
    api: DeskApi, channel: WebhookChannel, person: Person, tag: str,
) -> None:
    thread = f"thread-{tag}"
    api.ingest(channel, item(f"{tag} Where is my parcel? This is ridiculous!", thread=thread))
    negative = api.threads(person, sentiment="negative", q=tag)["threads"]
    assert [c["reading"]["language"] for c in negative] == ["en"]

    api.ingest(channel, item(f"{tag} It just arrived, thank you so much! 😊", thread=thread))

    assert api.threads(person, sentiment="negative", q=tag)["threads"] == []
    [card] = api.threads(person, sentiment="positive", q=tag)["threads"]
    assert card["reading"]["label"] == "positive"
    detail = api.call(person, "GET", f"/api/threads/{card['id']}").json()
    assert [m["reading"]["label"] for m in detail["messages"]] == ["negative", "positive"]


def test_an_unknown_sentiment_is_refused_naming_the_field(api: DeskApi, person: Person) -> None:
    response = api.call(person, "GET", "/api/threads", params={"sentiment": "furious"})
    assert response.status_code == 400
    assert "sentiment" in response.text
