"""X listening: public posts from the recent search (GET /2/tweets/search/recent).

The rules' words, phrases and hashtags become one search query ("(tandem OR \"tandem desk\"
OR #tandem) -is:retweet", with lang: when the rules name one language); the desk polls it
with since_id, walking its pages by next_token (newest first, handed in oldest first), and
keeps meta.newest_id as the cursor. How often it asks follows the endpoint's own budget: the
x-rate-limit-remaining calls are spread over the time to x-rate-limit-reset, never faster
than every few seconds, and a 429 waits for the reset. The filtered stream needs an app
with its access level and is not read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from channels.base import (
    ChannelAccount,
    InboundItem,
    ListeningIntake,
    ListeningQuery,
    PermanentError,
    PublicPost,
    TemporaryError,
)
from channels.http import answer_json, client, unpack_secrets
from channels.json_values import obj, obj_list, short_str

SEARCH_PATH = "/2/tweets/search/recent"
MAX_QUERY = 512  # the recent search's query length on the basic access level
MAX_PAGES = 10  # per poll; the rest waits for the next
MIN_POLL, DEFAULT_POLL = 2.0, 30.0


def search_query(query: ListeningQuery) -> str:
    """The X search query for the rules (terms beyond its length limit are left out)."""
    parts = [f'"{t}"' if " " in t else t for t in query.terms if t]
    parts += [f"#{h.lstrip('#')}" for h in query.hashtags if h.lstrip("#")]
    suffix = " -is:retweet"
    if len(query.languages) == 1:
        suffix += f" lang:{query.languages[0]}"
    kept: list[str] = []
    for part in parts:
        if len(f"({' OR '.join([*kept, part])}){suffix}") > MAX_QUERY:
            break
        kept.append(part)
    return f"({' OR '.join(kept)}){suffix}" if kept else ""


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def to_posts(answer: Mapping[str, Any], own_account: str | None) -> list[PublicPost]:
    """The posts of one search page, as documented: data[] with author_id, includes.users."""
    users = {short_str(u.get("id")): u for u in obj_list(obj(answer.get("includes"))
                                                         .get("users"))}
    posts = []
    for tweet in obj_list(answer.get("data")):
        tweet_id, author_id = short_str(tweet.get("id")), short_str(tweet.get("author_id"))
        text = tweet.get("text")
        if not tweet_id or not author_id or author_id == own_account or \
                not isinstance(text, str) or not text.strip():
            continue
        user = obj(users.get(author_id))
        handle = short_str(user.get("username"))
        item = InboundItem(
            external_id=tweet_id, author_id=author_id,
            author_name=short_str(user.get("name")) or handle or author_id,
            author_handle=handle, text=text, visibility="public",
            created_at=_when(tweet.get("created_at")), raw=tweet,
        )
        url = f"https://x.com/{handle or 'i'}/status/{tweet_id}"
        language = short_str(tweet.get("lang"))
        posts.append(PublicPost(item, language if language not in (None, "und") else None,
                                url))
    return posts


def poll_wait(response: httpx.Response, now: float) -> float:
    """Seconds to the next search: the remaining calls spread over the window."""
    remaining = response.headers.get("x-rate-limit-remaining", "")
    reset = response.headers.get("x-rate-limit-reset", "")
    if not remaining.isdigit() or not reset.isdigit():
        return DEFAULT_POLL
    left = max(float(reset) - now, 1.0)
    if int(remaining) == 0:
        return left
    return max(MIN_POLL, left / int(remaining))


class XListening:
    """Polls the recent search for one channel until cancelled."""

    def __init__(self, base_url: str, error_of: Any) -> None:
        self.base_url = base_url
        self.error_of = error_of  # x.x_error: the network's refusal as the desk's error

    async def listen(self, account: ChannelAccount, query: ListeningQuery,
                     cursor: Mapping[str, Any], intake: ListeningIntake) -> None:
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no access token; reconnect it.")
        wanted = search_query(query)
        # A changed query starts afresh from the newest page: its old cursor belongs to the
        # old question.
        since = cursor.get("since_id") if cursor.get("query") == wanted else None
        while True:
            if not wanted:
                await intake.report({"listening": "no words or hashtags to look for"})
                await asyncio.Event().wait()
            since, wait = await self._poll(account, token, wanted, since, intake)
            await asyncio.sleep(wait)

    async def _poll(self, account: ChannelAccount, token: str, wanted: str,
                    since: str | None, intake: ListeningIntake) -> tuple[str | None, float]:
        posts: list[PublicPost] = []
        newest: str | None = None
        next_token: str | None = None
        wait = DEFAULT_POLL
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {
                "query": wanted, "max_results": 100,
                "tweet.fields": "created_at,lang,author_id,conversation_id",
                "expansions": "author_id", "user.fields": "username,name"}
            if since:
                params["since_id"] = since
            if next_token:
                params["next_token"] = next_token
            response = await self._get(token, params)
            now = time.time()
            if response.status_code >= 300:
                raise self.error_of(response, now)
            wait = poll_wait(response, now)
            answer = answer_json(response)
            meta = obj(answer.get("meta"))
            newest = newest or short_str(meta.get("newest_id"))
            posts.extend(to_posts(answer, account.external_account_id))
            next_token = short_str(meta.get("next_token"))
            if not next_token or since is None:
                break
        await intake.report({"search": "polling", "next_in_seconds": round(wait, 1)})
        if newest:
            posts.sort(key=lambda p: (len(p.item.external_id), p.item.external_id))
            await intake.deliver(posts, {"query": wanted, "since_id": newest})
            since = newest
        return since, wait

    async def _get(self, token: str, params: dict[str, Any]) -> httpx.Response:
        try:
            async with client() as http:
                return await http.get(self.base_url + SEARCH_PATH, params=params,
                                      headers={"Authorization": f"Bearer {token}"})
        except httpx.TimeoutException:
            raise TemporaryError("X did not answer in time.") from None
        except httpx.HTTPError as exc:
            raise TemporaryError(f"Could not reach X ({exc.__class__.__name__}).") from None
