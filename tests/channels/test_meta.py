"""Meta (Facebook Pages, Messenger, Instagram): verification, payloads, sending, webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from contextlib import closing
from datetime import timedelta

import httpx
import pytest

from channels.base import ChannelAccount, PermanentError, TemporaryError, ThreadRef, WebhookRejected
from channels.http import pack_secrets
from channels.meta import MetaAdapter, graph_error
from channels.meta_payload import answer_challenge, check_signature, sign
from tests.fakes.desk import NetworkDesk, eventually
from tests.fakes.meta_graph import FakeMeta
from tests.support.live import LiveBoard

SECRET = "3f1e0a9c5b7d2e4f6a8c0b1d3e5f7a9c"
BODY = b'{"object":"page","entry":[]}'


def expected(secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as Meta documents it: sha256= hex HMAC-SHA256, app secret as key."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- verification ----------------------------------------------------------------------


def test_the_signature_is_hex_hmac_sha256_of_the_raw_body() -> None:
    assert sign(SECRET, BODY) == expected(SECRET, BODY)
    # A fixed vector, so a change of algorithm cannot hide behind the same helper.
    assert sign("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
    check_signature({"x-hub-signature-256": expected(SECRET, BODY)}, BODY, SECRET)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"x-hub-signature-256": expected("another secret", BODY)}, 401),
    ({"x-hub-signature-256": expected(SECRET, BODY + b" ")}, 401),
    ({"x-hub-signature-256": "sha1=" + "0" * 40}, 401),
])
def test_a_wrong_or_missing_signature_is_refused(headers: dict[str, str], status: int) -> None:
    with pytest.raises(WebhookRejected) as refused:
        check_signature(headers, BODY, SECRET)
    assert refused.value.status == status


def test_the_handshake_echoes_the_challenge_for_the_right_verify_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "tandem-vt",
             "hub.challenge": "1158201444"}
    assert answer_challenge(query, "tandem-vt") == "1158201444"
    for wrong, status in [({"hub.verify_token": "nope"}, 403), ({"hub.mode": "unsubscribe"}, 400),
                          ({"hub.challenge": ""}, 400)]:
        with pytest.raises(WebhookRejected) as refused:
            answer_challenge({**query, **wrong}, "tandem-vt")
        assert refused.value.status == status


# -- payloads ----------------------------------------------------------------------------


def parse(adapter: MetaAdapter, payload: dict, account_id: str = "") -> list:
    body = json.dumps(payload).encode()
    secrets = pack_secrets({"app_secret": SECRET, "account_id": account_id})
    return adapter.parse_webhook({"x-hub-signature-256": expected(SECRET, body)}, body, secrets, 0)


def test_facebook_comments_become_public_items_and_replies_join_their_comment() -> None:
    fake = FakeMeta()
    page = fake.account("facebook")
    anna = fake.customer("Anna Berg")
    top = fake.comment(page, anna, "Mein Strom ist weg", age=timedelta(hours=1))
    reply = fake.comment(page, anna, "Immer noch!", parent=top)
    facebook = MetaAdapter("facebook", "Facebook")
    [first] = parse(facebook, fake.comment_webhook(top), page.id)
    [second] = parse(facebook, fake.comment_webhook(reply), page.id)
    assert (first.external_id, first.author_id, first.author_name) == (top.id, anna.user_id,
                                                                        "Anna Berg")
    assert first.visibility == "public" and first.key() == top.id
    assert first.created_at is not None
    assert abs(first.created_at - top.created) < timedelta(seconds=1)
    assert second.key() == top.id and second.reply_to == top.id


def test_edits_the_pages_own_comments_and_other_pages_are_skipped() -> None:
    fake = FakeMeta()
    page, other = fake.account("facebook"), fake.account("facebook")
    comment = fake.comment(page, fake.customer("Ben"), "hallo")
    payload = fake.comment_webhook(comment)
    edited = json.loads(json.dumps(payload))
    edited["entry"][0]["changes"][0]["value"]["verb"] = "edited"
    own = json.loads(json.dumps(payload))
    own["entry"][0]["changes"][0]["value"]["from"] = {"id": page.id, "name": "Page"}
    facebook = MetaAdapter("facebook", "Facebook")
    assert parse(facebook, edited, page.id) == []
    assert parse(facebook, own, page.id) == []
    assert parse(facebook, payload, other.id) == []


def test_messenger_messages_are_private_and_echoes_are_ignored() -> None:
    fake = FakeMeta()
    page = fake.account("facebook")
    cara = fake.customer("Cara")
    facebook = MetaAdapter("facebook", "Facebook")
    [item] = parse(facebook, fake.message_webhook(page, cara, "Hier meine Nummer"), page.id)
    assert item.visibility == "private" and item.author_id == cara.psid
    assert item.key() == f"dm:{cara.psid}" and item.external_id.startswith("m_")
    assert parse(facebook, fake.message_webhook(page, cara, "Antwort", echo=True), page.id) == []


def test_instagram_comments_and_messages() -> None:
    fake = FakeMeta()
    account = fake.account("instagram")
    dora = fake.customer("dora.k", "instagram")
    comment = fake.comment(account, dora, "Wann kommt der Techniker?")
    instagram = MetaAdapter("instagram", "Instagram")
    [public] = parse(instagram, fake.comment_webhook(comment), account.id)
    [private] = parse(instagram, fake.message_webhook(account, dora, "Danke"), account.id)
    assert public.visibility == "public" and public.author_handle == "dora.k"
    assert private.key() == f"dm:{dora.user_id}"  # Instagram uses one id in both places
    with pytest.raises(WebhookRejected):  # a page payload is not for an Instagram channel
        parse(instagram, {"object": "page", "entry": []}, account.id)


# -- Graph API errors --------------------------------------------------------------------


def graph(status: int, code: int, subcode: int | None = None, headers: dict | None = None
          ) -> httpx.Response:
    error: dict = {"message": "m", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error}, headers=headers or {})


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_are_temporary(code: int) -> None:
    error = graph_error(graph(400, code))
    assert isinstance(error, TemporaryError) and error.retry_after and error.retry_after > 0


def test_the_business_use_case_header_says_when_to_retry() -> None:
    usage = json.dumps({"123": [{"type": "pages", "estimated_time_to_regain_access": 7}]})
    error = graph_error(graph(400, 80001, headers={"x-business-use-case-usage": usage}))
    assert isinstance(error, TemporaryError) and error.retry_after == 420


@pytest.mark.parametrize(("code", "subcode", "words"), [
    (190, None, "access token"), (10, 2018278, "window"), (10900, None, "one private reply"),
    (100, 33, "no longer exists"),
])
def test_refusals_are_permanent_with_a_clear_reason(code: int, subcode: int | None, words: str
                                                     ) -> None:
    error = graph_error(graph(400, code, subcode))
    assert isinstance(error, PermanentError) and words in error.message


def test_outages_are_temporary() -> None:
    assert isinstance(graph_error(graph(500, 2)), TemporaryError)
    assert isinstance(graph_error(httpx.Response(503, text="down")), TemporaryError)


# -- sending against the fake Graph API --------------------------------------------------


@pytest.fixture
def graph_api() -> FakeMeta:
    fake = FakeMeta().start()
    yield fake  # type: ignore[misc]
    fake.stop()


async def test_sending_maps_the_networks_answers(graph_api: FakeMeta) -> None:
    page = graph_api.account("facebook")
    eva = graph_api.customer("Eva")
    comment = graph_api.comment(page, eva, "Hilfe")
    adapter = MetaAdapter("facebook", "Facebook", base_url=graph_api.base_url)
    account = ChannelAccount(1, "facebook", "Page", page.id, {},
                             pack_secrets({"access_token": page.token, "account_id": page.id}))
    to_comment = ThreadRef(comment.id, comment.id, eva.user_id, "private")
    sent = await adapter.send_private_message(account, to_comment, "Wir schreiben Ihnen", "k1")
    assert sent.raw["recipient_id"] == eva.psid
    # The same idempotency key never publishes twice; a new one is refused by Meta.
    assert await adapter.send_private_message(account, to_comment, "again", "k1") == sent
    with pytest.raises(PermanentError, match="one private reply"):
        await adapter.send_private_message(account, to_comment, "again", "k2")
    # No message of the customer's within 24 hours: outside the window.
    with pytest.raises(PermanentError, match="customer"):
        await adapter.send_private_message(
            account, ThreadRef(f"dm:{eva.psid}", None, eva.psid, "private"), "Hallo?", "k3")
    graph_api.fail_next(613, "Calls to this api have exceeded the rate limit.")
    with pytest.raises(TemporaryError) as throttled:
        await adapter.send_public_reply(account, ThreadRef(comment.id, comment.id, None), "x", "k4")
    assert throttled.value.retry_after
    expired = ChannelAccount(1, "facebook", "Page", page.id, {},
                             pack_secrets({"access_token": "expired", "account_id": page.id}))
    with pytest.raises(PermanentError, match="access token"):
        await adapter.send_public_reply(expired, ThreadRef(comment.id, comment.id, None), "x", "k5")
    assert [s.kind for s in graph_api.sent] == ["private_reply"]


# -- the desk's webhook endpoint ---------------------------------------------------------


def test_the_handshake_through_the_desk(network_desk: NetworkDesk) -> None:
    page = network_desk.meta.account("facebook")
    channel = network_desk.meta_channel(page)
    query = {"hub.mode": "subscribe", "hub.verify_token": page.verify_token,
             "hub.challenge": "987654321"}
    answer = network_desk.api.http.get(f"/webhooks/meta/{channel}", params=query)
    assert (answer.status_code, answer.text) == (200, "987654321")
    wrong = network_desk.api.http.get(f"/webhooks/meta/{channel}",
                                      params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert network_desk.api.http.get("/webhooks/meta/999999", params=query).status_code == 404


async def test_a_signed_comment_reaches_the_board_once_however_often_it_comes(
    network_desk: NetworkDesk,
) -> None:
    desk, fake = network_desk, network_desk.meta
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent = desk.api.person()
    board = LiveBoard(desk.server.url, agent.token)
    assert (await board.connect(since=desk.api.threads(agent)["seq"]))["ok"]
    comment = fake.comment(page, fake.customer("Frank Ost"), "Rechnung doppelt abgebucht")
    payload = fake.comment_webhook(comment)
    answers = [desk.post_meta(channel, payload, page.app_secret) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["stored"] for a in answers] == [1, 0, 0]
    opened = await board.wait_for(lambda b: [e for e in b.of_type("thread.opened")
                                             if e["payload"]["card"]["channel_id"] == channel])
    card = opened[0]["payload"]["card"]
    assert card["network"] == "facebook" and card["visibility"] == "public"
    assert card["private_reply_until"]  # Meta's 7-day window shows on the card
    await board.disconnect()
    thread = desk.api.call(agent, "GET", f"/api/threads/{card['id']}").json()
    assert [m["text"] for m in thread["messages"]] == ["Rechnung doppelt abgebucht"]


def test_bad_requests_are_refused_and_store_nothing(network_desk: NetworkDesk) -> None:
    desk, fake = network_desk, network_desk.meta
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    http = desk.api.http
    comment = fake.comment(page, fake.customer("Gerd"), "nie gespeichert")
    body = json.dumps(fake.comment_webhook(comment)).encode()
    url = f"/webhooks/meta/{channel}"
    unsigned = http.post(url, content=body, headers={"Content-Type": "application/json"})
    json_type = {"Content-Type": "application/json"}
    forged = http.post(url, content=body, headers={
        **json_type, "X-Hub-Signature-256": expected("wrong secret", body)})
    garbage = b"{not json"
    malformed = http.post(url, content=garbage, headers={
        **json_type, "X-Hub-Signature-256": expected(page.app_secret, garbage)})
    huge = b" " * (1024 * 1024 + 1)
    oversized = http.post(url, content=huge, headers={
        **json_type, "X-Hub-Signature-256": expected(page.app_secret, huge)})
    assert [r.status_code for r in (unsigned, forged, malformed, oversized)] == [401, 401, 400, 413]
    admin = desk.api.admin
    found = http.get("/api/threads", headers=admin, params={"q": "nie gespeichert",
                                                            "status": "all"}).json()
    assert found["threads"] == []


async def test_a_messenger_message_opens_a_private_thread_with_its_window(
    network_desk: NetworkDesk,
) -> None:
    desk, fake = network_desk, network_desk.meta
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    hanna = fake.customer("Hanna")
    first = desk.post_meta(channel, fake.message_webhook(page, hanna, "Erste Nachricht"),
                           page.app_secret)
    assert first.json()["stored"] == 1
    admin = desk.api.admin
    [card] = await eventually(lambda: desk.api.http.get(
        "/api/threads", headers=admin, params={"q": "Erste Nachricht"}).json()["threads"])
    assert card["visibility"] == "private" and card["private_reply_until"] is None
    assert card["message_window_until"]  # 24 hours after her message


def test_connecting_needs_the_permission_and_every_secret(network_desk: NetworkDesk) -> None:
    desk, fake = network_desk, network_desk.meta
    page = fake.account("facebook")
    agent = desk.api.person()
    http = desk.api.http
    assert http.get("/admin/channels", headers=agent.headers).status_code == 403
    fields = {"name": "Shop Page", "account_id": page.id, "access_token": page.token,
              "app_secret": page.app_secret, "verify_token": ""}
    assert http.post("/admin/channels/facebook", headers=agent.headers,
                     data=fields).status_code == 403
    missing = http.post("/admin/channels/facebook", headers=desk.api.admin,
                        data={**fields, "app_secret": ""})
    assert missing.status_code == 400 and "App secret is required" in missing.text
    assert page.token not in missing.text  # secrets are never echoed back
    made = http.post("/admin/channels/facebook", headers=desk.api.admin, data=fields)
    assert made.status_code == 201
    assert f"{desk.server.url}/webhooks/meta/" in made.text
    assert page.token not in made.text and page.app_secret not in made.text
    listing = http.get("/admin/channels", headers=desk.api.admin)
    assert listing.status_code == 200 and "Shop Page" in listing.text
    if desk.backend.database_url.startswith("sqlite"):
        # Encrypted at rest: the stored secret does not contain the token.
        database = desk.backend.database_url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(database)) as connection:
            stored = [row[0] for row in connection.execute("SELECT secret_encrypted FROM channel")]
        assert stored and not any(page.token in (s or "") for s in stored)
