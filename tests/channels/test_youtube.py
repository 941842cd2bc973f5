"""YouTube: error answers, the Pacific quota day, polling comment threads, public replies that
go out once, and the daily quota counted across calls and shown on the desk."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
from channels.registry import capabilities
from channels.youtube import YouTubeAdapter, poll_delay
from channels.youtube_payload import Cursor, youtube_error
from channels.youtube_quota import (
    QUOTA_USED_UP,
    MemoryQuota,
    QuotaUsedUp,
    next_reset,
    polling_ceiling,
    quota_day,
)
from server.actions.quota import DatabaseQuota
from server.db import Database
from server.models import Channel
from server.settings import Settings
from tests.channels.intake import RecordingIntake
from tests.fakes.desk import (
    OwnDesk,
    connect,
    delivery_shown,
    send_replies_straight_out,
    send_reply,
    start_desk,
)
from tests.fakes.youtube_data import CommentThread, FakeYouTube, YouTubeChannel
from tests.replies.desk import until
from tests.support.backends import Backend
from tests.support.desk_api import Person
from tests.support.servers import tandem

_channel_ids = itertools.count(1)


def account_for(channel: YouTubeChannel, **config: str) -> ChannelAccount:
    return ChannelAccount(next(_channel_ids), "youtube", channel.title, channel.id, config,
                          pack_secrets({"access_token": channel.token, "account_id": channel.id}))


def to_thread(thread: CommentThread) -> ThreadRef:
    return ThreadRef(thread.id, thread.id, thread.top.author.id, "public")


def today() -> date:
    return quota_day(datetime.now(UTC))


@pytest.fixture
def youtube() -> Iterator[FakeYouTube]:
    fake = FakeYouTube().start()
    yield fake
    fake.stop()


# -- errors ------------------------------------------------------------------------------


def google(status: int, reason: str, message: str = "refused") -> httpx.Response:
    return httpx.Response(status, json={"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}]}})


@pytest.mark.parametrize(("status", "reason", "words"), [
    (401, "authError", "access token"),
    (401, "", "access token"),
    (403, "insufficientPermissions", "youtube.force-ssl"),
    (403, "forbidden", "may not act for this channel"),
    (400, "keyInvalid", "API key"),
    (403, "accessNotConfigured", "not enabled"),
    (403, "ipRefererBlocked", "API key"),
    (403, "commentsDisabled", "turned off"),
    (404, "parentCommentNotFound", "no longer exists"),
    (400, "commentTextTooLong", "too long"),
])
def test_refused_credentials_and_requests_are_permanent(status: int, reason: str, words: str
                                                       ) -> None:
    error = youtube_error(google(status, reason))
    assert isinstance(error, PermanentError) and words in error.message


@pytest.mark.parametrize(("status", "reason"), [
    (403, "rateLimitExceeded"), (403, "userRateLimitExceeded"), (429, ""),
    (500, "backendError"), (503, ""),
])
def test_rate_limits_and_outages_are_temporary(status: int, reason: str) -> None:
    assert isinstance(youtube_error(google(status, reason)), TemporaryError)


async def test_the_fake_networks_refusals_reach_the_caller(youtube: FakeYouTube) -> None:
    brand = youtube.channel()
    thread = youtube.comment(brand, youtube.viewer("Ines"), "Hallo")
    revoked = account_for(brand)
    revoked = ChannelAccount(revoked.channel_id, "youtube", "x", brand.id, {},
                             pack_secrets({"access_token": "ya29.revoked"}))
    adapter = YouTubeAdapter(youtube.url)
    with pytest.raises(PermanentError, match="access token"):
        await adapter.poll(revoked, Cursor.load({}, datetime.now(UTC)), 100)
    read_only = youtube.channel("Read only", can_comment=False)
    thread = youtube.comment(read_only, youtube.viewer("Jan"), "Hallo")
    with pytest.raises(PermanentError, match=r"youtube\.force-ssl"):
        await adapter.send_public_reply(account_for(read_only), to_thread(thread), "Hi", "k1")


# -- capabilities and connecting ---------------------------------------------------------


async def test_replies_are_public_only() -> None:
    adapter = YouTubeAdapter()
    assert capabilities("youtube", "youtube") == adapter.capabilities
    assert capabilities("simulator", "youtube") == adapter.capabilities
    assert not adapter.capabilities.private_reply_to_public
    assert not adapter.capabilities.direct_messages
    assert not hasattr(adapter, "webhook_path")
    account = account_for(YouTubeChannel("UC" + "a" * 22, "Brand", "ya29.x"))
    with pytest.raises(PermanentError, match="no private messages"):
        await adapter.send_private_message(account, ThreadRef("t", "t", "u", "private"),
                                           "Schreiben Sie uns", "k")


@pytest.mark.parametrize("values", [
    {"account_id": "UCshort"},
    {"account_id": "https://www.youtube.com/@brand"},
    {"account_id": "UC" + "a" * 22, "daily_quota": "-5"},
    {"account_id": "UC" + "a" * 22, "poll_seconds": "0"},
])
def test_connecting_checks_the_channel_id_and_numbers(values: dict[str, str]) -> None:
    with pytest.raises(InvalidSetting):
        YouTubeAdapter().check_fields(values)


def test_a_channel_id_with_dashes_and_underscores_is_fine() -> None:
    YouTubeAdapter().check_fields({"account_id": "UC_x5XG1OV2P6uZZ5FSM9Ttw",
                                   "daily_quota": "50000", "poll_seconds": "20"})


# -- the quota's day ---------------------------------------------------------------------


def test_the_quota_day_is_the_pacific_calendar_day() -> None:
    # Summer: Pacific Daylight Time is UTC-7; winter: Pacific Standard Time is UTC-8.
    assert quota_day(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == date(2026, 6, 30)
    assert quota_day(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == date(2026, 7, 1)
    assert quota_day(datetime(2026, 12, 1, 7, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert next_reset(datetime(2026, 12, 1, 7, 59, tzinfo=UTC)) == datetime(
        2026, 12, 1, 8, 0, tzinfo=UTC)
    assert next_reset(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == datetime(
        2026, 7, 2, 7, 0, tzinfo=UTC)
    # The night the clocks go back (1 November 2026) is 25 hours long.
    assert next_reset(datetime(2026, 11, 1, 7, 0, tzinfo=UTC)) == datetime(
        2026, 11, 2, 8, 0, tzinfo=UTC)


def test_polling_slows_down_so_its_units_last_until_the_reset() -> None:
    noon = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 12:00 Pacific: 12 hours to go
    assert polling_ceiling(10_000) == 9_000 and polling_ceiling(100) == 50
    assert poll_delay(30, 0, 9_000, noon) == 30  # plenty left: as configured
    assert poll_delay(30, 8_000, 9_000, noon) == 43.2  # 1,000 units for 43,200 seconds
    assert poll_delay(30, 9_000, 9_000, noon) == 12 * 3600  # spent: wait for the reset


# -- polling -----------------------------------------------------------------------------


async def test_polling_reads_threads_and_replies_and_hands_each_in_once(
    youtube: FakeYouTube,
) -> None:
    brand, ines, jan = youtube.channel("Brand"), youtube.viewer("Ines"), youtube.viewer("Jan")
    older = [youtube.comment(brand, jan, f"Altes Video {n}", age=timedelta(hours=2, minutes=n))
             for n in range(103)]
    busy = youtube.comment(brand, ines, "Ton fehlt ab Minute 3", age=timedelta(minutes=5))
    replies = [youtube.reply(busy, jan if n % 2 else ines, f"Antwort {n}",
                             age=timedelta(minutes=4, seconds=-n)) for n in range(7)]
    ours = youtube.reply(busy, brand, "Wir schauen nach")
    adapter = YouTubeAdapter(youtube.url)
    account = account_for(brand)

    first, cursor = await adapter.poll(account, Cursor.load({}, datetime.now(UTC)), 1000)

    assert len(first) == 103 + 1 + 7  # not our own reply
    assert ours.id not in {i.external_id for i in first}
    in_busy = [i for i in first if i.thread_key == busy.id]
    assert [i.external_id for i in in_busy] == [busy.id, *(r.id for r in replies)]
    top, answer = in_busy[0], in_busy[1]
    assert (top.visibility, top.reply_to, top.author_id, top.author_handle) == (
        "public", None, ines.id, ines.handle)
    assert (answer.reply_to, answer.text, answer.raw["videoId"]) == (
        busy.id, "Antwort 0", busy.top.video_id)
    assert {i.thread_key for i in first if i.text.startswith("Altes")} == {t.id for t in older}
    assert len(youtube.calls_of("/commentThreads")) == 2  # two pages of threads
    assert youtube.calls_of("/comments") == [  # the replies beyond the five listed
        {"part": "snippet", "parentId": busy.id, "maxResults": "100",
         "textFormat": "plainText"}]

    # Nothing new: one page is read again, and nothing is handed in twice.
    again, cursor = await adapter.poll(account, cursor, 1000)
    assert again == [] and len(youtube.calls_of("/commentThreads")) == 3
    assert len(youtube.calls_of("/comments")) == 1

    # A new reply beyond those listed, a new comment, and one that shows up late.
    late = youtube.comment(brand, jan, "Kam spät an", age=timedelta(minutes=3))
    more = youtube.reply(busy, jan, "Immer noch kein Ton")
    fresh = youtube.comment(brand, ines, "Neues Video ist super")
    third, cursor = await adapter.poll(account, cursor, 1000)
    assert {i.external_id for i in third} == {late.id, more.id, fresh.id}

    # A watcher restarted from the saved cursor hands in nothing twice.
    saved = Cursor.load(cursor.dump(), datetime.now(UTC))
    assert (await adapter.poll(account, saved, 1000))[0] == []


async def test_watching_delivers_and_reports_the_quota(youtube: FakeYouTube) -> None:
    brand = youtube.channel()
    thread = youtube.comment(brand, youtube.viewer("Mara"), "Wo ist Teil 2?")
    adapter = YouTubeAdapter(youtube.url)
    # A large quota, so the polls are not spread out to make it last the day.
    account = account_for(brand, poll_seconds="1", daily_quota="1000000")
    intake = RecordingIntake()
    watching = asyncio.create_task(adapter.watch(account, {}, intake))
    try:
        for _ in range(200):
            if len(intake.reports) >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
    assert intake.delivered == [thread.id]  # once, though read twice
    assert intake.reports[0] == {"quota_used": 1, "quota_limit": 1_000_000}
    assert intake.reports[1]["quota_used"] == 2 == youtube.units_used
    assert Cursor.load(intake.cursors[-1], datetime.now(UTC)).is_new(thread.id, datetime.now(UTC)
                                                                 ) is False


# -- replies -----------------------------------------------------------------------------


async def test_a_reply_goes_to_the_thread_and_a_retry_never_inserts_twice(
    youtube: FakeYouTube,
) -> None:
    brand = youtube.channel()
    thread = youtube.comment(brand, youtube.viewer("Ines"), "Mein Code geht nicht")
    account = account_for(brand)
    adapter = YouTubeAdapter(youtube.url)

    sent = await adapter.send_public_reply(account, to_thread(thread), "Wir helfen!", "k1")

    [reply] = youtube.replies_by(brand)
    assert (sent.external_id, reply.parent_id, reply.text) == (reply.id, thread.id,
                                                               "Wir helfen!")
    assert await adapter.send_public_reply(account, to_thread(thread), "Wir helfen!",
                                           "k1") == sent

    # YouTube stores the reply, but its answer is lost: the desk cannot know it went out.
    youtube.lose_next_answers = 1
    text = "Bitte starten Sie die App neu."
    with pytest.raises(TemporaryError):
        await adapter.send_public_reply(account, to_thread(thread), text, "k2")
    again = await adapter.send_public_reply(account, to_thread(thread), text, "k2")
    elsewhere = await YouTubeAdapter(youtube.url).send_public_reply(
        account, to_thread(thread), text, "k2")  # another process, no memory of k2

    assert again.external_id == elsewhere.external_id
    assert [r.text for r in youtube.replies_by(brand)] == ["Wir helfen!", text]
    assert [(i.text, i.answered) for i in youtube.inserted] == [
        ("Wir helfen!", True), (text, False)]


# -- the quota ---------------------------------------------------------------------------


async def test_every_call_is_counted_and_the_limit_stops_calls(youtube: FakeYouTube) -> None:
    brand = youtube.channel()
    thread = youtube.comment(brand, youtube.viewer("Jan"), "Preis?")
    ledger = MemoryQuota()
    adapter = YouTubeAdapter(youtube.url, ledger)
    account = account_for(brand, daily_quota="100")  # polling may spend 50, replies 100

    await adapter.poll(account, Cursor.load({}, datetime.now(UTC)), polling_ceiling(100))
    assert await ledger.used(account.channel_id, today()) == 1
    await adapter.send_public_reply(account, to_thread(thread), "29 Euro", "k1")
    assert await ledger.used(account.channel_id, today()) == 1 + 1 + 50 == youtube.units_used

    calls = len(youtube.calls)
    with pytest.raises(QuotaUsedUp) as used_up:
        await adapter.send_public_reply(account, to_thread(thread), "Noch etwas", "k2")
    assert used_up.value.message == QUOTA_USED_UP
    assert 0 < (used_up.value.retry_after or 0) <= 25 * 3600
    with pytest.raises(QuotaUsedUp):  # polling's share (50) is spent as well
        await adapter.poll(account, Cursor.load({}, datetime.now(UTC)), polling_ceiling(100))
    assert len(youtube.calls) == calls  # neither was sent to YouTube
    assert await adapter.quota_status(account) == {"quota_used": 52, "quota_limit": 100}


async def test_youtubes_quota_exceeded_pauses_polling_until_the_reset(
    youtube: FakeYouTube,
) -> None:
    brand = youtube.channel()
    youtube.comment(brand, youtube.viewer("Lea"), "Hallo?")
    youtube.daily_quota = youtube.units_used  # another app of the project spent it all
    adapter = YouTubeAdapter(youtube.url)
    account = account_for(brand, poll_seconds="1")
    intake = RecordingIntake()
    watching = asyncio.create_task(adapter.watch(account, {}, intake))
    try:
        for _ in range(200):
            if intake.reports:
                break
            await asyncio.sleep(0.05)
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
    [report] = intake.reports
    assert (report["quota_used"], report["quota_limit"]) == (10_000, 10_000)
    assert report["polling_paused_until"] == next_reset(datetime.now(UTC)).isoformat()
    assert intake.batches == []
    assert len(youtube.calls_of("/commentThreads")) == 1  # asked once, then it waits
    with pytest.raises(QuotaUsedUp):
        await adapter.send_public_reply(account, ThreadRef("t", "t", None), "Hi", "k")


async def test_the_database_ledger_adds_atomically(fresh_backend: Backend) -> None:
    tandem(["migrate"], fresh_backend.env())
    db = Database(Settings(database_url=fresh_backend.database_url).database)
    try:
        async with db.write() as tx:
            channel = Channel(network="youtube", adapter="youtube", name="Quota")
            tx.session.add(channel)
            await tx.session.flush()
        assert channel.id is not None
        ledger = DatabaseQuota(db)
        day = today()

        spent = await asyncio.gather(*(ledger.spend(channel.id, day, 50, 500)
                                       for _ in range(14)))

        assert sorted(s for s in spent if s is not None) == list(range(50, 501, 50))
        assert spent.count(None) == 4
        assert await ledger.used(channel.id, day) == 500
        await ledger.use_up(channel.id, day, 10_000)
        assert await ledger.used(channel.id, day) == 10_000
        assert await ledger.spend(channel.id, day, 1, 10_000) is None
        assert await ledger.used(channel.id, day + timedelta(days=1)) == 0
    finally:
        await db.dispose()


# -- through a real desk -----------------------------------------------------------------


@dataclass
class YouTubeDesk(OwnDesk):
    fake: FakeYouTube
    agent: Person

    def channel(self, brand: YouTubeChannel, **fields: str) -> int:
        return connect(self.api, "youtube", name=f"YouTube {brand.title}", account_id=brand.id,
                       access_token=brand.token, **fields)

    def messages(self, thread_id: int) -> list[dict[str, Any]]:
        shown = self.api.call(self.agent, "GET", f"/api/threads/{thread_id}")
        assert shown.status_code == 200, shown.text
        return shown.json()["messages"]

    def report(self, channel_id: int) -> dict[str, str]:
        """What the admin's channels page shows about how reading this channel goes."""
        page = self.api.http.get("/admin/channels", headers=self.api.admin).text
        row = page.split(f'data-channel-id="{channel_id}"', 1)[1].split("</tr>", 1)[0]
        return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", row))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeYouTube]:
    made = FakeYouTube().start()
    yield made
    made.stop()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, fake: FakeYouTube) -> Iterator[YouTubeDesk]:
    backend, server, api = start_desk(tmp_path_factory.mktemp("youtube-desk"),
                                      {"TANDEM_YOUTUBE_API_URL": fake.url})
    send_replies_straight_out(api)
    made = YouTubeDesk(backend, server, api, fake, api.person())
    yield made
    made.stop()


def found(desk: YouTubeDesk, text: str) -> dict[str, Any] | None:
    cards = desk.api.threads(desk.agent, q=text, status="all")["threads"]
    return cards[0] if cards else None


async def reply(desk: YouTubeDesk, thread_id: int, text: str) -> int:
    return await send_reply(desk, desk.agent, thread_id, text)


async def shown(desk: YouTubeDesk, thread_id: int, message_id: int, check: Any
                ) -> dict[str, Any]:
    return await delivery_shown(desk, desk.agent, thread_id, message_id, check)


def test_connecting_refuses_what_is_not_a_channel_id(desk: YouTubeDesk) -> None:
    brand = desk.fake.channel()
    wrong = desk.api.http.post("/admin/channels/youtube", headers=desk.api.admin, data={
        "name": "Wrong", "account_id": "@brand", "access_token": brand.token})
    assert wrong.status_code == 400 and "UC followed by 22" in wrong.text
    other = desk.fake.channel("Other")
    mixed_up = desk.api.http.post("/admin/channels/youtube", headers=desk.api.admin, data={
        "name": "Mixed up", "account_id": brand.id, "access_token": other.token})
    assert mixed_up.status_code == 201  # stored, with the reason shown
    assert f"belongs to the channel {other.id}, not to {brand.id}" in mixed_up.text
    assert desk.fake.calls_of("/channels")[-1] == {"part": "id", "mine": "true"}


async def test_a_comment_reaches_the_board_and_the_reply_is_published_once(
    desk: YouTubeDesk,
) -> None:
    brand = desk.fake.channel()
    channel = desk.channel(brand, poll_seconds="1", daily_quota="1000000")
    viewer = desk.fake.viewer("Ines")
    thread = desk.fake.comment(brand, viewer, "Der Ton fehlt ab Minute 3")

    card = await until(lambda: found(desk, "Der Ton fehlt"), "the comment on the board")
    assert (card["network"], card["visibility"], card["channel_id"]) == (
        "youtube", "public", channel)

    # The first attempt's answer is lost after YouTube stored the reply; the retry finds it.
    desk.fake.lose_next_answers = 1
    message_id = await reply(desk, card["id"], "Danke, wir prüfen das.")
    sent = await shown(desk, card["id"], message_id, lambda d: d.get("status") == "sent")
    [published] = desk.fake.replies_by(brand)
    assert (published.parent_id, published.text) == (thread.id, "Danke, wir prüfen das.")
    assert (sent["external_id"], sent["attempts"]) == (published.id, 2)

    # Later polls read the thread again, with the desk's own reply in it: stored once.
    polls = len(desk.fake.calls_of("/commentThreads"))
    await until(lambda: len(desk.fake.calls_of("/commentThreads")) >= polls + 2, "two polls")
    assert [(m["direction"], m["text"]) for m in desk.messages(card["id"])] == [
        ("in", "Der Ton fehlt ab Minute 3"), ("out", "Danke, wir prüfen das.")]

    shown_report = await until(lambda: desk.report(channel), "the quota on the channels page")
    assert shown_report["Daily quota"] == "1000000"
    assert int(shown_report["Quota used today"]) >= 2 + 2 * 51


async def test_a_used_up_quota_is_shown_on_the_message_and_the_channel(
    desk: YouTubeDesk,
) -> None:
    brand = desk.fake.channel()
    desk.fake.comment(brand, desk.fake.viewer("Jan"), "Gibt es das auch in Blau?")
    # 60 units: the token check (1), the first poll (1) and one reply (51) fit, a second
    # reply does not.
    channel = desk.channel(brand, daily_quota="60", poll_seconds="3600")
    card = await until(lambda: found(desk, "auch in Blau"), "the comment on the board")
    first = await reply(desk, card["id"], "Ja, ab Mai.")
    await shown(desk, card["id"], first, lambda d: d.get("status") == "sent")

    second = await reply(desk, card["id"], "Und in Grün.")

    waiting = await shown(desk, card["id"], second, lambda d: d.get("error"))
    assert waiting["error"] == QUOTA_USED_UP
    assert waiting["status"] == "queued" and waiting["next_attempt_at"]
    assert [r.text for r in desk.fake.replies_by(brand)] == ["Ja, ab Mai."]
    report = await until(lambda: desk.report(channel).get("Quota used today") == "53"
                         and desk.report(channel), "the quota on the channels page")
    assert report["Daily quota"] == "60"


async def test_taking_a_comment_private_is_refused(desk: YouTubeDesk) -> None:
    brand = desk.fake.channel()
    desk.fake.comment(brand, desk.fake.viewer("Ole"), "Bitte per Mail")
    desk.channel(brand)
    card = await until(lambda: found(desk, "Bitte per Mail"), "the comment on the board")
    taken = desk.api.call(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                          json={"text": "Wir schreiben Ihnen."})
    assert taken.status_code == 400 and "no private path" in taken.text
    assert desk.fake.replies_by(brand) == []
    # The thread page offers the desk's channels that take private messages instead.
    desk.api.webhook_channel(name="Service inbox for Ole")
    panel = desk.api.http.get(f"/threads/{card['id']}/escalation", headers=desk.agent.headers)
    assert panel.status_code == 200, panel.text
    offered = panel.text.split('class="elsewhere"')[1]
    assert "Service inbox for Ole" in offered and brand.title not in offered

