"""YouTube: comments on the channel's videos, read by polling, answered in public.

Comment threads come from GET /commentThreads?allThreadsRelatedToChannelId=<channel id>
(newest first, paged), replies beyond those listed with a thread from GET /comments?parentId=.
Every comment thread is one public thread on the desk. Replies are POST /comments with
snippet.parentId = the thread's top-level comment. YouTube has no private messages, so a
customer who must be taken private is offered another channel.

Each call's quota cost is counted before it is made (see channels/youtube_quota.py); polling
slows down so its share of the day's units lasts until midnight Pacific Time and pauses when
it is spent, keeping the rest for replies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from channels import youtube_payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    InboundItem,
    Intake,
    PermanentError,
    QuotaLedger,
    SendResult,
    TakesNoWebhooks,
    TemporaryError,
    ThreadRef,
)
from channels.errors import InvalidSetting
from channels.http import NetworkApi, answer_json, client, unpack_secrets
from channels.youtube_payload import Cursor, ThreadParts
from channels.youtube_quota import (
    COSTS,
    MemoryQuota,
    QuotaUsedUp,
    daily_limit,
    next_reset,
    polling_ceiling,
    quota_day,
    quota_used_up,
    seconds_to_reset,
)

log = logging.getLogger("tandem.channels.youtube")
DEFAULT_URL = "https://www.googleapis.com/youtube/v3"
DEFAULT_POLL_SECONDS = 30.0
MAX_PAGES = 10  # of 100 threads, per poll
MAX_REPLY_PAGES = 5  # of 100 replies, per thread
REPORT_SECONDS = 5.0
CHANNEL_ID = re.compile(r"UC[A-Za-z0-9_-]{22}")
NO_PRIVATE = N_("YouTube has no private messages; take the customer to another channel")


def poll_delay(base: float, used: int, ceiling: int, now: datetime) -> float:
    """Seconds to the next poll: at least `base`, and slow enough that the polling units
    left last until the reset; at the ceiling, the reset itself."""
    left = ceiling - used
    if left <= 0:
        return seconds_to_reset(now)
    return max(base, seconds_to_reset(now) / left)


def _number(field: str, raw: str, low: int, high: int, message: str) -> None:
    if raw and not (raw.isdigit() and low <= int(raw) <= high):
        raise InvalidSetting(field, message)


class YouTubeAdapter(NetworkApi, TakesNoWebhooks):
    default_url = DEFAULT_URL
    network = "youtube"
    label = "YouTube"
    account_label = N_("Channel id (UC…)")
    no_webhooks = "YouTube channels are polled; they take no webhooks."
    connect_fields = (
        ConnectField("access_token", N_("OAuth access token")),
        ConnectField("daily_quota", N_("Daily quota (units, default 10000)"), secret=False,
                     required=False),
        ConnectField("poll_seconds", N_("Seconds between polls (default 30)"), secret=False,
                     required=False),
    )
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=False, direct_messages=False,
    )

    def __init__(self, base_url: str | None = None, ledger: QuotaLedger | None = None) -> None:
        super().__init__(base_url)
        self.ledger: QuotaLedger = ledger or MemoryQuota()

    def use_quota_ledger(self, ledger: QuotaLedger) -> None:
        self.ledger = ledger

    def check_fields(self, values: dict[str, str]) -> None:
        if not CHANNEL_ID.fullmatch(values.get("account_id", "")):
            raise InvalidSetting(
                "account_id",
                "Enter the YouTube channel id: UC followed by 22 letters, digits, "
                "- or _.")
        _number("daily_quota", values.get("daily_quota", ""), 1, 1_000_000_000,
                N_("The daily quota is a whole number of units, at least 1."))
        _number("poll_seconds", values.get("poll_seconds", ""), 1, 86_400,
                N_("The poll interval is a whole number of seconds from 1 to 86400."))

    async def connected(self, account: ChannelAccount, webhook_url: str) -> None:
        """Check the token with YouTube: it must speak as the channel entered."""
        await self._charge(account, COSTS["channels.list"], daily_limit(account))
        answer = await self._call(account, "channels.list", "/channels",
                                  {"part": "id", "mine": "true"})
        items = answer.get("items")
        mine = [str(i.get("id")) for i in items or [] if isinstance(i, Mapping)]
        if account.external_account_id not in mine:
            raise PermanentError(f"The access token belongs to the channel "
                                 f"{', '.join(mine) or '(none)'}, not to "
                                 f"{account.external_account_id}.")

    # -- quota ---------------------------------------------------------------------------

    async def _charge(self, account: ChannelAccount, units: int, ceiling: int) -> None:
        """Count `units` before a call; past the ceiling the call is not made."""
        now = datetime.now(UTC)
        spent = await self.ledger.spend(account.channel_id, quota_day(now), units, ceiling)
        if spent is None:
            raise quota_used_up(now)

    async def quota_status(self, account: ChannelAccount) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {"quota_used": await self.ledger.used(account.channel_id, quota_day(now)),
                "quota_limit": daily_limit(account)}

    # -- calls ---------------------------------------------------------------------------

    async def _call(self, account: ChannelAccount, method: str, path: str,
                    params: dict[str, str], body: dict[str, Any] | None = None) -> dict:
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no access token; reconnect it.")
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with client() as http:
                if body is None:
                    response = await http.get(self.base_url + path, params=params,
                                              headers=headers)
                else:
                    response = await http.post(self.base_url + path, params=params,
                                               json=body, headers=headers)
        except httpx.TimeoutException:
            raise TemporaryError("YouTube did not answer in time") from None
        except httpx.HTTPError as exc:
            raise TemporaryError(f"could not reach YouTube ({exc.__class__.__name__})") from None
        if response.status_code < 300:
            return answer_json(response)
        reason, _ = youtube_payload.error_reason(response)
        if reason == "quotaExceeded":
            # YouTube counts the whole Google Cloud project: believe it over our count.
            now = datetime.now(UTC)
            await self.ledger.use_up(account.channel_id, quota_day(now), daily_limit(account))
            raise quota_used_up(now)
        error = youtube_payload.youtube_error(response)
        log.warning("YouTube refused %s for channel %s: %s", method, account.channel_id,
                    error.message)
        raise error

    async def _list(self, account: ChannelAccount, method: str, path: str,
                    params: dict[str, str], ceiling: int, pages: int, prepaid: bool = False
                    ) -> list[Mapping[str, Any]]:
        """Every item of up to `pages` pages (each page costs its units; the first one is
        already counted if `prepaid`)."""
        found: list[Mapping[str, Any]] = []
        token = ""
        for page in range(pages):
            if page or not prepaid:
                await self._charge(account, COSTS[method], ceiling)
            answer = await self._call(account, method, path,
                                      {**params, **({"pageToken": token} if token else {})})
            items = answer.get("items")
            found.extend(i for i in items or [] if isinstance(i, Mapping))
            token = str(answer.get("nextPageToken") or "")
            if not token:
                break
        return found

    async def _replies(self, account: ChannelAccount, parent_id: str, ceiling: int,
                       prepaid: bool = False) -> list[Mapping[str, Any]]:
        params = {"part": "snippet", "parentId": parent_id, "maxResults": "100",
                  "textFormat": "plainText"}
        return await self._list(account, "comments.list", "/comments", params, ceiling,
                                MAX_REPLY_PAGES, prepaid)

    # -- inbound -------------------------------------------------------------------------

    async def watch(self, account: ChannelAccount, cursor: Mapping[str, Any],
                    intake: Intake) -> None:
        state = Cursor.load(cursor, datetime.now(UTC))
        limit = daily_limit(account)
        ceiling = polling_ceiling(limit)
        try:
            base = max(float(account.config.get("poll_seconds") or DEFAULT_POLL_SECONDS), 1.0)
        except (TypeError, ValueError):
            base = DEFAULT_POLL_SECONDS
        while True:
            status: dict[str, Any] = {}
            try:
                items, state = await self.poll(account, state, ceiling)
            except QuotaUsedUp:
                # Our share of today's units is spent: wait for the reset, keep the cursor.
                status["polling_paused_until"] = next_reset(datetime.now(UTC)).isoformat()
            else:
                await intake.deliver(items, state.dump())
            status |= await self.quota_status(account)
            await intake.report(status)
            await self._wait(account, intake, status,
                             poll_delay(base, status["quota_used"], ceiling, datetime.now(UTC)))

    async def _wait(self, account: ChannelAccount, intake: Intake, status: dict[str, Any],
                    seconds: float) -> None:
        """Sleep until the next poll; replies sent meanwhile spend units, so the count is
        reported again when it changes (a read of the ledger, no call to YouTube)."""
        clock = asyncio.get_running_loop().time
        deadline = clock() + seconds
        while (left := deadline - clock()) > 0:
            await asyncio.sleep(min(left, REPORT_SECONDS))
            fresh = await self.quota_status(account)
            if fresh != {k: status[k] for k in fresh}:
                status |= fresh
                await intake.report(status)

    async def poll(self, account: ChannelAccount, cursor: Cursor, ceiling: int
                   ) -> tuple[list[InboundItem], Cursor]:
        """The comments published since the cursor, oldest first, and the cursor after them.

        Threads come newest first; reading stops at the first page that reaches threads
        with nothing newer than the cursor's floor. The given cursor is left as it was, so
        a poll cut short by an error loses nothing.
        """
        state = cursor.copy()
        own = account.external_account_id or ""
        found: list[InboundItem] = []
        params = {"part": "snippet,replies", "allThreadsRelatedToChannelId": own,
                  "order": "time", "maxResults": "100", "textFormat": "plainText"}
        token = ""
        for _ in range(MAX_PAGES):
            await self._charge(account, COSTS["commentThreads.list"], ceiling)
            answer = await self._call(account, "commentThreads.list", "/commentThreads",
                                      {**params, **({"pageToken": token} if token else {})})
            oldest = None
            for raw in answer.get("items") or []:
                parts = youtube_payload.thread_parts(raw) if isinstance(raw, Mapping) else None
                if parts is None:
                    continue
                found.extend(await self._thread(account, parts, state, own, ceiling))
                oldest = parts.activity()
            token = str(answer.get("nextPageToken") or "")
            if not token or oldest is None or oldest < state.floor:
                break
        state.advance()
        found.sort(key=lambda item: item.created_at or state.floor)
        return found, state

    async def _thread(self, account: ChannelAccount, parts: ThreadParts, state: Cursor,
                      own: str, ceiling: int) -> list[InboundItem]:
        replies = parts.replies
        known = state.replies.get(parts.id)
        activity = parts.activity()
        more = parts.total_replies > len(replies) and (
            known < parts.total_replies if known is not None
            else activity is not None and activity >= state.floor)
        if more:
            replies = await self._replies(account, parts.id, ceiling)
        state.count_replies(parts.id, parts.total_replies)
        video = youtube_payload.snippet_of(parts.top).get("videoId")
        items = []
        for comment in [parts.top, *replies]:
            at = youtube_payload.published(comment)
            comment_id = comment.get("id")
            if at is None or not isinstance(comment_id, str) or not state.is_new(comment_id, at):
                continue
            state.mark(comment_id, at)
            if own and youtube_payload.author_channel(comment) == own:
                continue  # the desk's own replies come back in the list
            item = youtube_payload.comment_item(comment, parts.id,
                                                video if isinstance(video, str) else None)
            if item is not None:
                items.append(item)
        return items

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        """Reply in the comment thread, at most once per idempotency key.

        YouTube takes no idempotency key, so before inserting the desk lists the thread's
        replies: if the channel has one with this text already (an earlier attempt whose
        answer was lost, maybe in another process), that reply is this one.
        """
        if known := self._sent.get(idempotency_key):
            return known
        parent = thread_ref.thread_key
        limit = daily_limit(account)
        await self._charge(account, COSTS["comments.list"] + COSTS["comments.insert"], limit)
        replies = await self._replies(account, parent, limit, prepaid=True)
        own = account.external_account_id or unpack_secrets(account.secret).get("account_id", "")
        if (earlier := youtube_payload.own_reply(replies, own, text)) is not None:
            return self._sent.keep(idempotency_key, SendResult(str(earlier.get("id")),
                                                              raw=dict(earlier)))
        answer = await self._call(account, "comments.insert", "/comments", {"part": "snippet"},
                                  {"snippet": {"parentId": parent, "textOriginal": text}})
        external_id = answer.get("id")
        if not isinstance(external_id, str) or not external_id:
            external_id = idempotency_key  # published all the same: never send it again
        return self._sent.keep(idempotency_key, SendResult(external_id=external_id, raw=answer))

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        raise PermanentError(NO_PRIVATE)
