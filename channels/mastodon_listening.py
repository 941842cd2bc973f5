"""Mastodon listening: public posts from hashtag timelines and the public timeline.

Each timeline the rules need (one per hashtag, and the public timeline when a rule has plain
words) is read as the mentions are (channels/mastodon.py): the streaming API first
(GET /api/v1/streaming/hashtag?tag=... or /api/v1/streaming/public, Server-Sent Events with
`update` events carrying a Status), then a REST catch-up (GET /api/v1/timelines/tag/:hashtag
or /api/v1/timelines/public, walking forward with min_id) so nothing written between the two
is missed; when the stream drops, catch up again. The cursor keeps the newest id per
timeline. Calls go through the adapter's, within the instance's rate limits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from channels import mastodon_payload as payload
from channels.base import (
    ChannelAccount,
    InboundItem,
    ListeningIntake,
    ListeningQuery,
    PublicPost,
    TemporaryError,
)
from channels.json_values import iso_moment, obj, short_str

if TYPE_CHECKING:
    from channels.mastodon import Link, MastodonAdapter

log = logging.getLogger("tandem.channels.mastodon")
PAGE = 40
RECONNECT_FIRST, RECONNECT_MAX = 0.5, 60.0


def timelines(query: ListeningQuery) -> dict[str, tuple[str, str]]:
    """cursor key -> (REST path, streaming path with query) for the rules' query."""
    found: dict[str, tuple[str, str]] = {}
    for tag in query.hashtags:
        name = tag.lstrip("#").casefold()
        if name:
            found[f"tag:{name}"] = (f"/api/v1/timelines/tag/{quote(name)}",
                                    f"/api/v1/streaming/hashtag?tag={quote(name)}")
    if query.terms:
        found["public"] = ("/api/v1/timelines/public", "/api/v1/streaming/public")
    return found


def to_post(status: Any, own_account: str | None) -> PublicPost | None:
    """A public status as a listening post (boosts, direct and the brand's own are not)."""
    if not isinstance(status, dict) or isinstance(status.get("reblog"), dict):
        return None
    if status.get("visibility") not in ("public", "unlisted"):
        return None
    author = obj(status.get("account"))
    author_id, status_id = short_str(author.get("id")), short_str(status.get("id"))
    text = payload.status_text(status)
    if not author_id or not status_id or author_id == own_account or not text:
        return None
    handle = short_str(author.get("acct")) or short_str(author.get("username"))
    item = InboundItem(
        external_id=status_id, author_id=author_id,
        author_name=short_str(author.get("display_name")) or handle or author_id,
        author_handle=handle, text=text, visibility="public",
        reply_to=short_str(status.get("in_reply_to_id")),
        created_at=iso_moment(status.get("created_at")), raw=status,
    )
    language = short_str(status.get("language"))
    return PublicPost(item, language[:8] if language else None, short_str(status.get("url")))


class MastodonListening:
    """The listening half of a Mastodon channel (the adapter owns the calls and limits)."""

    def __init__(self, adapter: MastodonAdapter) -> None:
        self.adapter = adapter

    async def listen(self, account: ChannelAccount, query: ListeningQuery,
                     cursor: Mapping[str, Any], intake: ListeningIntake) -> None:
        link = self.adapter.link_of(account)
        read = timelines(query)
        kept = {key: value for key, value in cursor.items()
                if key in read and isinstance(value, str)}
        if not read:
            await intake.report({"listening": "no hashtags or words to look for"})
            await asyncio.Event().wait()
        lock = asyncio.Lock()
        await asyncio.gather(*(self._timeline(account, link, key, paths, kept, intake, lock)
                               for key, paths in read.items()))

    async def _timeline(self, account: ChannelAccount, link: Link, key: str,
                        paths: tuple[str, str], kept: dict[str, str],
                        intake: ListeningIntake, lock: asyncio.Lock) -> None:
        rest, streaming = paths
        pause = RECONNECT_FIRST
        while True:
            async with self.adapter.stream(link, streaming) as chunks:
                await self._catch_up(account, link, key, rest, kept, intake, lock)
                await intake.report({f"stream {key}": "connected"})
                try:
                    await self._follow(account, key, chunks, kept, intake, lock)
                    pause = RECONNECT_FIRST
                except (httpx.TransportError, payload.StreamTooLong) as error:
                    log.info("Mastodon listening stream %s broke: %s", key,
                             error.__class__.__name__)
            await intake.report({f"stream {key}": "reconnecting"})
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECONNECT_MAX)

    async def _hand_in(self, key: str, posts: list[PublicPost], newest: str | None,
                       kept: dict[str, str], intake: ListeningIntake,
                       lock: asyncio.Lock) -> None:
        async with lock:  # one timeline's batch at a time: the cursor is saved whole
            if newest:
                kept[key] = payload.newer(kept.get(key), newest) or newest
            await intake.deliver(posts, dict(kept))

    async def _catch_up(self, account: ChannelAccount, link: Link, key: str, path: str,
                        kept: dict[str, str], intake: ListeningIntake,
                        lock: asyncio.Lock) -> None:
        """The statuses after the cursor, oldest first, a page at a time (without a cursor
        only the newest page)."""
        while True:
            params = httpx.QueryParams([("limit", PAGE)])
            if kept.get(key):
                params = params.add("min_id", kept[key])
            answer = await self.adapter.call(link, "read", "GET", path, params=params)
            try:
                page = answer.json()
            except ValueError:
                page = None
            if not isinstance(page, list):
                raise TemporaryError("The Mastodon instance sent no timeline.")
            found = [s for s in page if isinstance(s, dict) and isinstance(s.get("id"), str)]
            if not found:
                return
            found.sort(key=lambda s: (len(s["id"]), s["id"]))
            posts = [p for s in found if (p := to_post(s, account.external_account_id))]
            await self._hand_in(key, posts, found[-1]["id"], kept, intake, lock)
            if len(page) < PAGE:
                return

    async def _follow(self, account: ChannelAccount, key: str, chunks: AsyncIterator[str],
                      kept: dict[str, str], intake: ListeningIntake,
                      lock: asyncio.Lock) -> None:
        events = payload.EventStream()
        async for chunk in chunks:
            for event in events.feed(chunk):
                if event.event != "update":
                    continue
                try:
                    status = json.loads(event.data)
                except ValueError:
                    continue
                post = to_post(status, account.external_account_id)
                newest = short_str(status.get("id")) if isinstance(status, dict) else None
                await self._hand_in(key, [post] if post else [], newest, kept, intake, lock)
