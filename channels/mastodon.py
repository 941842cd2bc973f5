"""Mastodon: mentions read from the user stream, replies and direct messages posted as statuses.

Inbound, `watch` opens the streaming API (GET /api/v1/streaming/user/notification, Server-
Sent Events) first and only then catches up through REST (GET /api/v1/notifications with
types[]=mention, walking forward from the cursor with min_id), so nothing written between
the two is missed: what both see is handed in twice and stored once. The stream does not
replay, so when it drops the watcher catches up again before following it anew.

Outbound, a reply is POST /api/v1/statuses with in_reply_to_id and the customer's @acct in
front (Mastodon addresses people by mention), public or unlisted as configured; a private
message is the same with visibility=direct. The outbox's idempotency key travels as the
Idempotency-Key header, which Mastodon honours for an hour, so a retried send posts once.

Every answer's X-RateLimit-Remaining / X-RateLimit-Reset (an ISO 8601 time) is respected:
once the remaining calls reach 0 no call of that kind is made before the reset, and a 429
is a temporary error retried then.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from channels import mastodon_payload as payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    InboundItem,
    Intake,
    ListeningIntake,
    ListeningQuery,
    PermanentError,
    Published,
    PublishRules,
    SendError,
    SendResult,
    TakesNoWebhooks,
    TemporaryError,
    ThreadRef,
)
from channels.errors import InvalidSetting
from channels.http import answer_json, client, is_loopback, unpack_secrets
from channels.json_values import iso_moment
from channels.mastodon_listening import MastodonListening

log = logging.getLogger("tandem.channels.mastodon")

STREAM_PATH = "/api/v1/streaming/user/notification"
PAGE = 40  # Mastodon's default page of notifications (80 at most)
DEFAULT_BACKOFF = 60.0
# Mastodon sends a heartbeat comment every 15 seconds; this much silence is a dead stream.
STREAM_SILENCE = 90.0
STREAM_TIMEOUT = httpx.Timeout(10.0, read=STREAM_SILENCE)
# Reconnecting after a drop: at once-ish, then slower while the stream keeps dropping.
RECONNECT_FIRST, RECONNECT_MAX, STABLE_SECONDS = 0.5, 60.0, 120.0
REPLY_VISIBILITIES = ("public", "unlisted")

# Mastodon limits API calls in general and creating statuses on top; an exhausted posting
# limit must not stop the watcher from reading.
Kind = Literal["read", "post"]


@dataclass(frozen=True)
class Link:
    """Where one channel's instance answers and the token it speaks with."""

    base_url: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def instance_url(value: str) -> str | None:
    """The instance's base URL, or None unless it is https:// (http:// on loopback only)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or parts.query or parts.fragment or parts.username or parts.password:
        return None
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(host)):
        return None
    if parts.path not in ("", "/"):
        return None
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}{f':{port}' if port else ''}"


def _reset_in(response: httpx.Response, now: float) -> float | None:
    """Seconds until X-RateLimit-Reset (Mastodon sends an ISO 8601 time)."""
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    if reset.isdigit():
        at = float(reset)
    elif (stamp := iso_moment(reset)) is not None:
        at = stamp.timestamp()
    else:
        return None
    return max(at - now, 1.0)


def mastodon_error(response: httpx.Response, now: float) -> SendError:
    detail = str(answer_json(response).get("error") or response.text[:200])
    status = response.status_code
    if status == 429:
        wait = _reset_in(response, now) or DEFAULT_BACKOFF
        return TemporaryError(f"Mastodon's rate limit was reached; the desk tries again in "
                              f"{int(wait)} seconds.", wait)
    if status >= 500:
        return TemporaryError(f"The Mastodon instance had a temporary problem ({status}): "
                              f"{detail}")
    if status == 401:
        return PermanentError("The Mastodon instance refused the access token (401): it is "
                              "invalid or was revoked. Reconnect the channel.")
    if status == 403:
        return PermanentError(f"The Mastodon instance refused (403): {detail}")
    if status == 404:
        return PermanentError("The Mastodon instance found no such status or account (it may "
                              f"have been deleted) (404): {detail}")
    return PermanentError(f"The Mastodon instance refused the message ({status}): {detail}")


def addressed(acct: str, text: str) -> str:
    """The text with the customer's mention in front, unless the agent already wrote it."""
    mention = f"@{acct}"
    first = text.lstrip().split(maxsplit=1)[:1]
    if first and first[0].lower() == mention.lower():
        return text
    return f"{mention} {text}"


class MastodonAdapter(TakesNoWebhooks):
    network = "mastodon"
    label = "Mastodon"
    account_label = N_("Account id")
    no_webhooks = "Mastodon channels are streamed; they take no webhooks."
    connect_fields = (
        ConnectField("instance_url", N_("Instance URL"), secret=False),
        ConnectField("access_token", N_("Access token")),
        ConnectField("reply_visibility", N_("Visibility of public replies (public or unlisted)"),
                     secret=False, required=False),
    )
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=True, direct_messages=True,
    )

    def __init__(self) -> None:
        # (token digest, kind) -> unix time before which that kind of call is used up.
        self._exhausted: dict[tuple[str, Kind], float] = {}

    # -- connecting ----------------------------------------------------------------------

    def check_fields(self, values: Mapping[str, str]) -> None:
        if instance_url(values.get("instance_url", "")) is None:
            raise InvalidSetting(
                "instance_url",
                "Enter the instance's address as https://host (for example "
                "https://mastodon.social).")
        if values.get("reply_visibility", "") not in ("", *REPLY_VISIBILITIES):
            raise InvalidSetting(
                "reply_visibility",
                "Public replies are either public or unlisted.")
        account_id = values.get("account_id")
        if account_id is not None and not account_id.isdigit():
            raise InvalidSetting("account_id", "A Mastodon account id is a number.")

    async def connected(self, account: ChannelAccount, webhook_url: str) -> None:
        """Check the token with the instance: it must speak as the account entered."""
        link = self._link(account)
        me = answer_json(await self._call(link, "read", "GET",
                                          "/api/v1/accounts/verify_credentials"))
        if account.external_account_id and str(me.get("id")) != account.external_account_id:
            raise PermanentError(f"The access token belongs to the account {me.get('id')} "
                                 f"(@{me.get('acct')}), not to {account.external_account_id}.")

    # -- inbound -------------------------------------------------------------------------

    async def watch(self, account: ChannelAccount, cursor: Mapping[str, Any],
                    intake: Intake) -> None:
        link = self._link(account)
        since = cursor.get("since_id") if isinstance(cursor.get("since_id"), str) else None
        pause = RECONNECT_FIRST
        while True:
            opened = time.monotonic()
            async with self._stream(link) as chunks:
                since = await self.catch_up(account, since, intake)
                await intake.report({"stream": "connected"})
                try:
                    since = await self._follow(account, link, chunks, since, intake)
                except (httpx.TransportError, payload.StreamTooLong) as error:
                    log.info("the Mastodon stream of channel %s broke: %s", account.channel_id,
                             error.__class__.__name__)
            # The stream dropped: catch up through REST and follow it again.
            await intake.report({"stream": "reconnecting"})
            stable = time.monotonic() - opened > STABLE_SECONDS
            pause = RECONNECT_FIRST if stable else min(pause * 2, RECONNECT_MAX)
            await asyncio.sleep(pause)

    async def catch_up(self, account: ChannelAccount, since: str | None, intake: Intake
                       ) -> str | None:
        """Hand in the mentions after `since`, oldest first, a page at a time; returns the
        new cursor. Without a cursor (a new channel) only the newest page is read.

        min_id (not since_id) walks forward: since_id would answer the newest page first and
        leave a gap if more than a page came in.
        """
        link = self._link(account)
        while True:
            params = httpx.QueryParams([("types[]", "mention"), ("limit", PAGE)])
            if since:
                params = params.add("min_id", since)
            answer = await self._call(link, "read", "GET", "/api/v1/notifications",
                                      params=params)
            try:
                page = answer.json()
            except ValueError:
                page = None
            if not isinstance(page, list):
                raise TemporaryError("The Mastodon instance sent no notification list.")
            found = [n for n in page if isinstance(n, dict) and isinstance(n.get("id"), str)]
            if not found:
                return since
            found.sort(key=lambda n: (len(n["id"]), n["id"]))
            items = [i for n in found if (i := await self._item(account, link, n))]
            since = payload.newer(since, found[-1]["id"])
            await intake.deliver(items, {"since_id": since})
            if len(page) < PAGE:
                return since

    async def _follow(self, account: ChannelAccount, link: Link, chunks: AsyncIterator[str],
                      since: str | None, intake: Intake) -> str | None:
        """Hand in each mention the stream brings, until the stream ends."""
        events = payload.EventStream()
        async for chunk in chunks:
            for event in events.feed(chunk):
                notification = payload.notification_of(event)
                if notification is None or payload.mention_status(notification) is None:
                    continue
                item = await self._item(account, link, notification)
                since = payload.newer(since, str(notification.get("id") or ""))
                await intake.deliver([item] if item else [], {"since_id": since})
        return since

    async def _item(self, account: ChannelAccount, link: Link, notification: dict[str, Any]
                    ) -> InboundItem | None:
        status = payload.mention_status(notification) or {}
        thread = await self._thread_of(account, link, status)
        return payload.to_item(notification, account.external_account_id, thread)

    async def _thread_of(self, account: ChannelAccount, link: Link, status: dict[str, Any]
                         ) -> str | None:
        """The thread a public reply joins: that of the first status in its conversation not
        written by the channel's account. A reply to the brand's own post opens a thread of
        its own (like a comment on a page's post); a customer answering the desk's reply
        joins the thread of their first status."""
        replied, status_id = status.get("in_reply_to_id"), status.get("id")
        if not isinstance(replied, str) or not isinstance(status_id, str) or \
                status.get("visibility") == "direct":
            return None
        try:
            answer = await self._call(link, "read", "GET",
                                      f"/api/v1/statuses/{status_id}/context")
        except PermanentError:
            return replied  # deleted or not visible to us: the reply joins its parent's thread
        ancestors = answer_json(answer).get("ancestors")
        for earlier in ancestors if isinstance(ancestors, list) else []:
            author = earlier.get("account") if isinstance(earlier, dict) else None
            earlier_id = earlier.get("id") if isinstance(earlier, dict) else None
            if isinstance(author, dict) and isinstance(earlier_id, str) and \
                    author.get("id") != account.external_account_id:
                return earlier_id
        return None

    @contextlib.asynccontextmanager
    async def _stream(self, link: Link, path: str = STREAM_PATH
                      ) -> AsyncIterator[AsyncIterator[str]]:
        """The open stream's text (the user stream unless another path is given)."""
        async with httpx.AsyncClient(timeout=STREAM_TIMEOUT, follow_redirects=False,
                                     headers={"User-Agent": "Tandem-Desk/1"}) as http:
            response = await self._open_stream(http, link, path)
            try:
                yield response.aiter_text()
            finally:
                await response.aclose()

    @staticmethod
    async def _open_stream(http: httpx.AsyncClient, link: Link, path: str) -> httpx.Response:
        """Subscribe to the user stream. One redirect is followed by hand, keeping the token
        (an instance may serve its streaming API from a host of its own)."""
        headers = {**link.headers, "Accept": "text/event-stream"}
        url = link.base_url + path
        try:
            response = await http.send(http.build_request("GET", url, headers=headers),
                                       stream=True)
            if response.is_redirect:
                await response.aclose()
                url = urljoin(url, response.headers.get("location", ""))
                split = urlsplit(url)
                if instance_url(f"{split.scheme}://{split.netloc}") is None:
                    raise PermanentError("The Mastodon instance sent its streaming API to an "
                                         f"address that is not https: {url[:200]}")
                response = await http.send(http.build_request("GET", url, headers=headers),
                                           stream=True)
            if response.status_code != 200:
                await response.aread()
                await response.aclose()
                raise mastodon_error(response, time.time())
        except httpx.TimeoutException:
            raise TemporaryError("The Mastodon streaming API did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise TemporaryError(f"Could not reach the Mastodon streaming API "
                                 f"({exc.__class__.__name__}).") from None
        return response

    # -- listening (channels/mastodon_listening.py) ------------------------------------

    async def listen(self, account: ChannelAccount, query: ListeningQuery,
                     cursor: Mapping[str, Any], intake: ListeningIntake) -> None:
        await MastodonListening(self).listen(account, query, cursor, intake)

    def link_of(self, account: ChannelAccount) -> Link:
        return self._link(account)

    async def call(self, link: Link, kind: Kind, method: str, path: str, *,
                   params: httpx.QueryParams | None = None) -> httpx.Response:
        return await self._call(link, kind, method, path, params=params)

    def stream(self, link: Link, path: str
               ) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        return self._stream(link, path)

    # -- publishing the brand's own posts ------------------------------------------------

    publish_rules = PublishRules(max_chars=500, link_chars=23)
    publish_idempotent = True  # the Idempotency-Key header, honoured for an hour

    async def publish_post(self, account: ChannelAccount, text: str,
                           idempotency_key: str) -> Published:
        sent = await self._publish(self._link(account), text, None, "public", idempotency_key)
        url = sent.raw.get("url")
        return Published(sent.external_id, url if isinstance(url, str) else None, sent.raw)

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        link = self._link(account)
        target = thread_ref.in_reply_to or thread_ref.thread_key
        acct = await self._author_of(link, target)
        visibility = account.config.get("reply_visibility") or "public"
        if visibility not in REPLY_VISIBILITIES:
            visibility = "public"
        return await self._publish(link, addressed(acct, text), target, visibility,
                                   idempotency_key)

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        link = self._link(account)
        target = thread_ref.in_reply_to
        if target:
            acct = await self._author_of(link, target)
        else:
            person = thread_ref.recipient_id or thread_ref.thread_key.removeprefix("dm:")
            if not person.isdigit():
                raise PermanentError("A direct message on Mastodon needs the customer's "
                                     "account id.")
            found = answer_json(await self._call(link, "read", "GET",
                                                 f"/api/v1/accounts/{person}"))
            acct = self._acct(found)
        return await self._publish(link, addressed(acct, text), target, "direct",
                                   idempotency_key)

    async def _author_of(self, link: Link, status_id: str) -> str:
        if not status_id.isdigit():
            raise PermanentError("A reply on Mastodon needs the id of the status it answers.")
        status = answer_json(await self._call(link, "read", "GET",
                                              f"/api/v1/statuses/{status_id}"))
        account = status.get("account")
        return self._acct(account if isinstance(account, dict) else {})

    @staticmethod
    def _acct(account: dict[str, Any]) -> str:
        acct = account.get("acct")
        if not isinstance(acct, str) or not acct:
            raise PermanentError("The Mastodon instance did not name the customer's account.")
        return acct

    async def _publish(self, link: Link, text: str, in_reply_to: str | None, visibility: str,
                       idempotency_key: str) -> SendResult:
        body: dict[str, Any] = {"status": text, "visibility": visibility}
        if in_reply_to:
            body["in_reply_to_id"] = in_reply_to
        response = await self._call(link, "post", "POST", "/api/v1/statuses", json=body,
                                    headers={"Idempotency-Key": idempotency_key})
        answer = answer_json(response)
        external_id = answer.get("id")
        if not isinstance(external_id, str) or not external_id:
            external_id = idempotency_key  # published all the same: never send it again
        return SendResult(external_id=external_id, raw=answer)

    # -- calls ---------------------------------------------------------------------------

    @staticmethod
    def _link(account: ChannelAccount) -> Link:
        base = instance_url(str(account.config.get("instance_url") or ""))
        if base is None:
            raise PermanentError("The channel has no valid Mastodon instance URL; reconnect it.")
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no access token; reconnect it.")
        return Link(base, token)

    async def _call(self, link: Link, kind: Kind, method: str, path: str, *,
                    params: httpx.QueryParams | None = None, json: Any = None,
                    headers: Mapping[str, str] | None = None) -> httpx.Response:
        """One REST call, within the instance's rate limit; an error answer is raised."""
        limit_key = (hashlib.sha256(link.token.encode()).hexdigest()[:16], kind)
        now = time.time()
        if (until := self._exhausted.get(limit_key, 0.0)) > now:
            raise TemporaryError("Mastodon's rate limit is used up; the desk tries again in "
                                 f"{int(until - now) + 1} seconds.", until - now + 1)
        try:
            async with client() as http:
                response = await http.request(method, link.base_url + path, params=params,
                                              json=json, headers={**link.headers,
                                                                  **(headers or {})})
        except httpx.TimeoutException:
            raise TemporaryError("The Mastodon instance did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise TemporaryError(f"Could not reach the Mastodon instance "
                                 f"({exc.__class__.__name__}).") from None
        now = time.time()
        if response.headers.get("x-ratelimit-remaining", "").strip() == "0":
            wait = _reset_in(response, now)
            if wait:
                self._exhausted[limit_key] = now + wait
        if response.status_code >= 300:
            error = mastodon_error(response, now)
            log.warning("Mastodon refused %s %s: %s", method, path.split("?")[0], error.message)
            raise error
        return response
