"""Mastodon: the stream's SSE framing, status HTML, mentions, the token check, catching up
after a dropped stream, replies and direct messages with Idempotency-Key, rate limits."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from channels.base import (
    ChannelAccount,
    PermanentError,
    TemporaryError,
    ThreadRef,
)
from channels.errors import InvalidSetting
from channels.http import pack_secrets
from channels.mastodon import MastodonAdapter, addressed, instance_url, mastodon_error
from channels.mastodon_payload import (
    EventStream,
    ServerEvent,
    StreamTooLong,
    html_to_text,
    to_item,
)
from tests.channels.intake import RecordingIntake, watching
from tests.fakes.desk import eventually
from tests.fakes.mastodon_instance import FakeMastodon, MastodonAccount

# -- the stream's framing (Server-Sent Events) ------------------------------------------


def events_of(*chunks: str) -> list[ServerEvent]:
    stream = EventStream()
    return [event for chunk in chunks for event in stream.feed(chunk)]


NOTIFICATION = 'event: notification\ndata: {"id":"7","type":"mention"}\n\n'


def test_sse_events_comments_and_heartbeats() -> None:
    assert events_of(":)\n", NOTIFICATION, ":thump\n") == [
        ServerEvent("notification", '{"id":"7","type":"mention"}')]
    # An event without a name is a "message"; without data it is not dispatched at all.
    assert events_of("data: a\n\nevent: update\n\n") == [ServerEvent("message", "a")]
    # The name does not outlive its event.
    assert events_of("event: delete\ndata: 1\n\ndata: 2\n\n") == [
        ServerEvent("delete", "1"), ServerEvent("message", "2")]


def test_sse_lines_end_in_lf_crlf_or_cr_and_may_be_split_anywhere() -> None:
    expected = [ServerEvent("notification", '{"id":"7","type":"mention"}')]
    assert events_of(NOTIFICATION.replace("\n", "\r\n")) == expected
    assert events_of(NOTIFICATION.replace("\n", "\r")) == expected
    crlf = NOTIFICATION.replace("\n", "\r\n")
    assert events_of(*crlf) == expected  # one character at a time: CR and LF apart
    for cut in range(len(crlf)):
        assert events_of(crlf[:cut], crlf[cut:]) == expected


def test_sse_fields() -> None:
    # Data lines join with LF; one space after the colon goes, a second one stays; a field
    # name alone has an empty value; id, retry and unknown fields change nothing here.
    assert events_of("data:first\ndata:  second\ndata\nid: 9\nretry: 10\nfoo: x\n\n") == [
        ServerEvent("message", "first\n second\n")]
    # An event the stream does not finish with a blank line is never dispatched.
    assert events_of('event: notification\ndata: {"id":"8"}\n') == []


def test_an_endless_line_breaks_the_stream() -> None:
    with pytest.raises(StreamTooLong):
        events_of("data: " + "x" * (1024 * 1024 + 1))


# -- statuses --------------------------------------------------------------------------


def test_status_html_becomes_text() -> None:
    content = (
        '<p><span class="h-card" translate="no"><a href="https://social.example/@brand" '
        'class="u-url mention">@<span>brand</span></a></span> mein Router &amp; das '
        '&lt;Modem&gt; sind tot</p><p>siehe <a href="https://status.example.com/incidents/'
        '2026/12/01/long" rel="nofollow noopener" target="_blank"><span class="invisible">'
        'https://</span><span class="ellipsis">status.example.com/incidents/</span><span '
        'class="invisible">2026/12/01/long</span></a><br />Danke <a href="https://social.'
        'example/tags/netz" class="mention hashtag">#<span>netz</span></a></p>'
        '<script>alert(1)</script>')
    assert html_to_text(content) == (
        "@brand mein Router & das <Modem> sind tot\n\n"
        "siehe https://status.example.com/incidents/2026/12/01/long\nDanke #netz")
    assert html_to_text("<p>nur Text</p>") == "nur Text"


def test_mentions_become_items() -> None:
    fake = FakeMastodon()
    brand, ines = fake.bot("brand"), fake.person("Ines Vogel", domain="chaos.example")
    first = fake.mention(ines, brand, "Seit Stunden kein Netz")
    item = to_item(fake.notification_of(first), brand.id)
    assert item is not None
    assert (item.external_id, item.author_id, item.author_handle, item.author_name) == (
        first.id, ines.id, f"{ines.username}@chaos.example", "Ines Vogel")
    assert item.visibility == "public" and item.key() == first.id
    assert item.text == "@brand Seit Stunden kein Netz"
    assert item.created_at is not None and item.created_at.tzinfo is UTC
    # A reply joins the thread of its conversation's first status.
    reply = fake.mention(ines, brand, "immer noch", in_reply_to=first)
    later = to_item(fake.notification_of(reply), brand.id, thread_key=first.id)
    assert later is not None and later.key() == first.id and later.reply_to == first.id
    # A direct status is private: one thread per author.
    direct = fake.mention(ines, brand, "Meine Kundennummer ist 123", visibility="direct")
    private = to_item(fake.notification_of(direct), brand.id)
    assert private is not None and private.visibility == "private"
    assert private.key() == f"dm:{ines.id}"
    # The bot's own statuses and other notification types are skipped.
    assert to_item(fake.notification_of(first), ines.id) is None
    assert to_item({**fake.notification_of(first), "type": "favourite"}, brand.id) is None


def test_the_mention_goes_in_front_once() -> None:
    assert addressed("ines@chaos.example", "Wir helfen gern") == \
        "@ines@chaos.example Wir helfen gern"
    assert addressed("ines", "@Ines danke!") == "@Ines danke!"


# -- connecting ------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("https://mastodon.social", "https://mastodon.social"),
    ("https://Social.Example:8443/", "https://social.example:8443"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://mastodon.social", None),
    ("https://mastodon.social/@brand", None),
    ("https://user:pw@mastodon.social", None),
    ("ftp://mastodon.social", None),
    ("mastodon.social", None),
])
def test_the_instance_url(url: str, expected: str | None) -> None:
    assert instance_url(url) == expected


def test_check_fields() -> None:
    adapter = MastodonAdapter()
    adapter.check_fields({"instance_url": "https://mastodon.social", "account_id": "1093",
                          "access_token": "t", "reply_visibility": "unlisted"})
    for wrong in ({"instance_url": "http://mastodon.social"},
                  {"instance_url": "https://mastodon.social", "reply_visibility": "direct"},
                  {"instance_url": "https://mastodon.social", "account_id": "@brand"}):
        with pytest.raises(InvalidSetting):
            adapter.check_fields(wrong)


# -- errors ----------------------------------------------------------------------------


def test_errors_are_mapped() -> None:
    now = time.time()
    reset = datetime.fromtimestamp(now + 90, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    limited = mastodon_error(httpx.Response(429, headers={"X-RateLimit-Reset": reset},
                                            json={"error": "Too many requests"}), now)
    assert isinstance(limited, TemporaryError) and 85 <= (limited.retry_after or 0) <= 91
    assert "rate limit" in limited.message
    assert isinstance(mastodon_error(httpx.Response(503), now), TemporaryError)
    revoked = mastodon_error(httpx.Response(401, json={"error": "The access token is invalid"}),
                             now)
    assert isinstance(revoked, PermanentError) and "access token" in revoked.message
    refused = mastodon_error(httpx.Response(422, json={
        "error": "Validation failed: Text character limit of 500 exceeded"}), now)
    assert isinstance(refused, PermanentError) and "character limit" in refused.message


# -- against the fake instance ---------------------------------------------------------


@pytest.fixture
def instance() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


def account_for(fake: FakeMastodon, bot: MastodonAccount, token: str | None = None,
                **config: str) -> ChannelAccount:
    return ChannelAccount(7, "mastodon", "Brand", bot.id,
                          {"instance_url": fake.base_url, **config},
                          pack_secrets({"access_token": token or bot.token or "",
                                        "account_id": bot.id}))


def since(intake: RecordingIntake) -> str:
    return intake.cursors[-1]["since_id"]


async def test_a_refused_token_stops_with_a_clear_message(instance: FakeMastodon) -> None:
    bot = instance.bot()
    revoked = account_for(instance, bot, token="revoked")
    adapter = MastodonAdapter()
    with pytest.raises(PermanentError, match="refused the access token") as refused:
        await adapter.watch(revoked, {}, RecordingIntake())
    assert "Reconnect the channel" in refused.value.message
    with pytest.raises(PermanentError, match="refused the access token"):
        await adapter.connected(revoked, "")
    await adapter.connected(account_for(instance, bot), "")  # the right token: no complaint
    other = ChannelAccount(7, "mastodon", "Brand", "12345", {"instance_url": instance.base_url},
                           pack_secrets({"access_token": bot.token or ""}))
    with pytest.raises(PermanentError, match="belongs to the account"):
        await adapter.connected(other, "")


async def test_catching_up_pages_forward_oldest_first(instance: FakeMastodon) -> None:
    bot, kim = instance.bot(), instance.person("Kim")
    before = [instance.mention(kim, bot, f"alt {n}") for n in range(3)]
    intake = RecordingIntake()
    adapter, account = MastodonAdapter(), account_for(instance, bot)
    # A new channel takes the newest page.
    assert await adapter.catch_up(account, None, intake) == instance.notification_of(
        before[-1])["id"]
    assert intake.delivered == [s.id for s in before]
    # More than a page since the cursor: every one, in order, the cursor after each page.
    later = [instance.mention(kim, bot, f"neu {n}") for n in range(45)]
    cursor = await adapter.catch_up(account, since(intake), intake)
    assert intake.delivered[3:] == [s.id for s in later]
    assert cursor == instance.notification_of(later[-1])["id"] == since(intake)
    assert len(intake.cursors) == 3  # one page of 3, then 40 and 5
    pages = [r["query"] for r in instance.requests if r["path"] == "/api/v1/notifications"]
    assert all("types%5B%5D=mention" in q for q in pages)


async def test_the_stream_delivers_and_a_drop_is_caught_up_without_loss_or_duplicates(
        instance: FakeMastodon) -> None:
    bot, ada = instance.bot(), instance.person("Ada")
    first = instance.mention(ada, bot, "vor dem Verbinden")
    intake, adapter = RecordingIntake(), MastodonAdapter()
    async with watching(adapter, account_for(instance, bot), intake):
        await eventually(lambda: intake.has(first.id) and instance.open_streams(bot),
                         what="the catch-up and the stream")
        streamed = instance.mention(ada, bot, "live im Stream", in_reply_to=first)
        await eventually(lambda: intake.has(streamed.id), what="the streamed mention")
        assert intake.stored[streamed.id].key() == first.id  # the reply joins the thread
        assert since(intake) == instance.notification_of(streamed)["id"]

        # The stream drops; while it is down, two more mentions come in.
        instance.hold_catch_up()
        instance.drop_streams()
        missed = [instance.mention(ada, bot, f"verpasst {n}") for n in range(2)]
        # The watcher subscribes again, then catches up: a mention between the two is
        # seen by both, handed in twice and stored once.
        await eventually(lambda: instance.open_streams(bot) and instance.catch_ups_waiting,
                         what="the reconnect")
        between = instance.mention(ada, bot, "zwischen Stream und Nachholen")
        instance.release_catch_up()
        await eventually(lambda: intake.delivered.count(between.id) == 2, what="the overlap")
        after = instance.mention(ada, bot, "danach")
        await eventually(lambda: intake.has(after.id), what="the stream after the reconnect")
    everything = [first, streamed, *missed, between, after]
    assert list(intake.stored) == [s.id for s in everything]
    assert since(intake) == instance.notification_of(after)["id"]
    assert {"stream": "reconnecting"} in intake.reports


async def test_threads_follow_the_conversation(instance: FakeMastodon) -> None:
    bot = instance.bot()
    ada, ben, cem = (instance.person(n) for n in ("Ada", "Ben", "Cem"))
    post = instance.status(bot, "Heute Nacht Wartungsarbeiten im Netz")
    ada_asks = instance.mention(ada, bot, "Wie lange dauert das?", in_reply_to=post)
    ben_asks = instance.mention(ben, bot, "Betrifft das auch Kabel?", in_reply_to=post)
    ours = instance.status(bot, f"@{ada.acct} Bis etwa 4 Uhr.", in_reply_to=ada_asks)
    ada_thanks = instance.mention(ada, bot, "Danke!", in_reply_to=ours)
    cem_too = instance.mention(cem, bot, "Frage ich mich auch", in_reply_to=ben_asks)
    intake = RecordingIntake()
    await MastodonAdapter().catch_up(account_for(instance, bot), None, intake)
    keys = {status_id: item.key() for status_id, item in intake.stored.items()}
    # Answers to the brand's own post open threads of their own, like comments on a page's
    # post; what follows them, the desk's reply included, joins theirs.
    assert keys == {ada_asks.id: ada_asks.id, ben_asks.id: ben_asks.id,
                    ada_thanks.id: ada_asks.id, cem_too.id: ben_asks.id}


async def test_a_restarted_watch_resumes_at_its_cursor(instance: FakeMastodon) -> None:
    bot, ben = instance.bot(), instance.person("Ben")
    old = instance.mention(ben, bot, "schon gelesen")
    new = instance.mention(ben, bot, "noch nicht gelesen")
    intake = RecordingIntake()
    cursor = {"since_id": instance.notification_of(old)["id"]}
    async with watching(MastodonAdapter(), account_for(instance, bot), intake, cursor):
        await eventually(lambda: intake.has(new.id), what="the newer mention")
    assert old.id not in intake.stored


async def test_a_separate_streaming_host_keeps_the_token(instance: FakeMastodon) -> None:
    instance.streaming_elsewhere = True
    bot, cem = instance.bot(), instance.person("Cem")
    intake = RecordingIntake()
    async with watching(MastodonAdapter(), account_for(instance, bot), intake):
        await eventually(lambda: instance.open_streams(bot), what="the stream")
        status = instance.mention(cem, bot, "über den Streaming-Host")
        await eventually(lambda: intake.has(status.id), what="the mention")
    node = [r for r in instance.requests if r["path"].startswith("/streaming-node")]
    assert node and node[0]["headers"]["authorization"] == f"Bearer {bot.token}"


async def test_the_watcher_waits_for_the_rate_limit_reset(instance: FakeMastodon) -> None:
    bot = instance.bot()
    adapter, account = MastodonAdapter(), account_for(instance, bot)
    instance.exhaust("api", reset_in=120)
    with pytest.raises(TemporaryError, match="rate limit") as limited:
        await adapter.watch(account, {}, RecordingIntake())
    assert 100 <= (limited.value.retry_after or 0) <= 121
    # The last call of a window succeeds and says so: the next waits without asking.
    instance.exhaust("api", reset_in=300, remaining=1)
    fresh = MastodonAdapter()
    await fresh.catch_up(account, None, RecordingIntake())
    calls = len(instance.requests)
    with pytest.raises(TemporaryError) as waiting:
        await fresh.catch_up(account, None, RecordingIntake())
    assert len(instance.requests) == calls
    assert 250 <= (waiting.value.retry_after or 0) <= 301


# -- sending ---------------------------------------------------------------------------


async def test_a_public_reply_mentions_the_customer_and_answers_the_status(
        instance: FakeMastodon) -> None:
    bot, jan = instance.bot(), instance.person("Jan", domain="chaos.example")
    status = instance.mention(jan, bot, "Wo bleibt mein Paket?")
    adapter = MastodonAdapter()
    ref = ThreadRef(status.id, status.id, jan.id, "public")
    sent = await adapter.send_public_reply(account_for(instance, bot), ref,
                                           "Es ist unterwegs.", "tdm-1")
    [reply] = instance.posted_to(status)
    assert reply.status.id == sent.external_id and reply.idempotency_key == "tdm-1"
    assert reply.body == {"status": f"@{jan.acct} Es ist unterwegs.", "visibility": "public",
                          "in_reply_to_id": status.id}
    assert reply.status.mentions == [jan]
    unlisted = account_for(instance, bot, reply_visibility="unlisted")
    await adapter.send_public_reply(unlisted, ref, "Noch ein Hinweis.", "tdm-2")
    assert instance.posted[-1].body["visibility"] == "unlisted"


async def test_a_private_message_is_a_direct_status(instance: FakeMastodon) -> None:
    bot, lea = instance.bot(), instance.person("Lea")
    direct = instance.mention(lea, bot, "Meine Kundennummer ist 123", visibility="direct")
    adapter, account = MastodonAdapter(), account_for(instance, bot)
    # In the conversation: a direct reply to her direct status.
    await adapter.send_private_message(
        account, ThreadRef(f"dm:{lea.id}", direct.id, lea.id, "private"), "Danke!", "tdm-3")
    # Taken private from a public thread without a status to answer: addressed to her.
    await adapter.send_private_message(
        account, ThreadRef(f"dm:{lea.id}", None, lea.id, "private"), "Wir melden uns.",
        "tdm-4")
    first, second = instance.posted[-2:]
    assert first.body == {"status": f"@{lea.acct} Danke!", "visibility": "direct",
                          "in_reply_to_id": direct.id}
    assert second.body == {"status": f"@{lea.acct} Wir melden uns.", "visibility": "direct"}
    assert first.status.mentions == second.status.mentions == [lea]


async def test_a_retried_send_posts_once(instance: FakeMastodon) -> None:
    bot, mo = instance.bot(), instance.person("Mo")
    status = instance.mention(mo, bot, "Hallo?")
    ref = ThreadRef(status.id, status.id, mo.id, "public")
    account = account_for(instance, bot)
    # The same outbox item sent again (by another process, after a lost answer).
    first = await MastodonAdapter().send_public_reply(account, ref, "Hallo Mo!", "tdm-5")
    again = await MastodonAdapter().send_public_reply(account, ref, "Hallo Mo!", "tdm-5")
    assert again.external_id == first.external_id
    assert len(instance.posted_to(status)) == 1
    keys = [r["headers"].get("idempotency-key") for r in instance.requests
            if r["method"] == "POST"]
    assert keys == ["tdm-5", "tdm-5"]


async def test_sending_respects_the_rate_limit(instance: FakeMastodon) -> None:
    bot, nia = instance.bot(), instance.person("Nia")
    status = instance.mention(nia, bot, "Hallo")
    ref = ThreadRef(status.id, status.id, nia.id, "public")
    adapter, account = MastodonAdapter(), account_for(instance, bot)
    instance.exhaust("statuses", reset_in=600)
    with pytest.raises(TemporaryError, match="rate limit") as limited:
        await adapter.send_public_reply(account, ref, "Hallo Nia", "tdm-6")
    assert 500 <= (limited.value.retry_after or 0) <= 601
    assert instance.posted == []
    # Reading goes on while posting waits.
    assert await adapter.catch_up(account, None, RecordingIntake())
    gone = ThreadRef("1", "1", nia.id, "public")
    with pytest.raises(PermanentError, match="404"):
        await adapter.send_public_reply(account, gone, "Hallo", "tdm-7")
