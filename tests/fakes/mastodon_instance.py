"""A fake Mastodon instance: the REST calls the desk makes and the user stream.

As documented: bearer tokens (401 {"error": "The access token is invalid"}), statuses
(POST /api/v1/statuses with in_reply_to_id, visibility, and Idempotency-Key: the same key
from the same account within an hour answers the first status again instead of posting),
notifications (GET /api/v1/notifications with types[], min_id / since_id / max_id, limit,
newest first, a Link header), status context, accounts, and the streaming API
(GET /api/v1/streaming/user/notification: Server-Sent Events `event: notification` with the
Notification as JSON `data`, and heartbeat comments). Every REST answer carries
X-RateLimit-Limit / -Remaining / -Reset (an ISO 8601 time); an exhausted limit answers
429 {"error": "Too many requests"}. Errors are {"error": "..."}.

The test plays the network's people: `mention` writes a status that mentions the bot (into
open streams and the notification list), `drop_streams` cuts every stream, and
`hold_catch_up` makes notification lists wait, so a test can place a mention between a
reconnect and its catch-up.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from tests.fakes.mastodon_public import PublicTimelines
from tests.fakes.running import FakeNetwork

STREAM = "/api/v1/streaming/user/notification"
# Where the instance says its streaming API lives when `streaming_elsewhere` is on.
STREAM_NODE = "/streaming-node"
HEARTBEAT_SECONDS = 2.0
IDEMPOTENCY_SECONDS = 3600
CHARACTER_LIMIT = 500
_ids = itertools.count(int(time.time() * 1000) << 16)
_MENTION = re.compile(r"@([A-Za-z0-9_]+)(?:@([A-Za-z0-9.-]+))?")
_URL = re.compile(r"https?://[^\s<]+")


def new_id() -> str:
    return str(next(_ids))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@dataclass
class MastodonAccount:
    id: str
    username: str
    display_name: str
    domain: str | None = None  # None: an account of this instance
    token: str | None = None  # the bot's access token; the people have none here

    @property
    def acct(self) -> str:
        return f"{self.username}@{self.domain}" if self.domain else self.username


@dataclass
class Status:
    id: str
    account: MastodonAccount
    text: str
    visibility: str
    created: datetime
    in_reply_to: Status | None = None
    mentions: list[MastodonAccount] = field(default_factory=list)
    language: str | None = None


@dataclass
class Posted:
    """A status the desk published through the API (not the people's statuses)."""

    status: Status
    body: dict[str, Any] = field(repr=False)
    idempotency_key: str | None = None


@dataclass
class Limit:
    limit: int
    window: int
    remaining: int = 0
    reset: float = 0.0


@dataclass
class Stream:
    account_id: str
    timeline: str = "user"  # or "public", "hashtag:<tag>" (tests/fakes/mastodon_public.py)
    pending: list[str] = field(default_factory=list)
    dropped: bool = False
    closed: bool = False


def content_html(text: str, accounts: dict[str, MastodonAccount], domain: str) -> str:
    """Status text as Mastodon renders it: paragraphs, <br />, h-card mentions and links
    whose long middle hides in `invisible` / `ellipsis` spans."""

    def link(url: str) -> str:
        scheme, rest = url.split("://", 1)
        shown, hidden = rest[:30], rest[30:]
        return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener '
                f'noreferrer"><span class="invisible">{scheme}://</span><span class="'
                f'{"ellipsis" if hidden else ""}">{html.escape(shown)}</span><span '
                f'class="invisible">{html.escape(hidden)}</span></a>')

    def mention(found: re.Match[str]) -> str:
        user, host = found.group(1), found.group(2) or domain
        person = next((a for a in accounts.values() if a.acct == found.group(0)[1:]), None)
        href = f"https://{host}/@{user}"
        if person is None:
            return html.escape(found.group(0))
        return (f'<span class="h-card" translate="no"><a href="{href}" class="u-url '
                f'mention">@<span>{html.escape(user)}</span></a></span>')

    def inline(line: str) -> str:
        out, at = [], 0
        for found in re.finditer(f"{_URL.pattern}|{_MENTION.pattern}", line):
            out.append(html.escape(line[at:found.start()]))
            token = found.group(0)
            out.append(link(token) if token.startswith("http") else
                       mention(_MENTION.fullmatch(token) or found))
            at = found.end()
        out.append(html.escape(line[at:]))
        return "".join(out)

    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join("<p>" + "<br />".join(inline(line) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)


class FakeMastodon(PublicTimelines, FakeNetwork):
    def __init__(self, domain: str = "social.example") -> None:
        self.domain = domain
        self.accounts: dict[str, MastodonAccount] = {}
        self.statuses: dict[str, Status] = {}
        self.notifications: dict[str, list[dict[str, Any]]] = {}  # by the notified account
        self.posted: list[Posted] = []
        self.requests: list[dict[str, Any]] = []
        self.limits = {"api": Limit(300, 300), "statuses": Limit(300, 3 * 3600)}
        self.streaming_elsewhere = False
        self.streams: list[Stream] = []
        self.timeline: list[Status] = []  # the public timeline, oldest first
        self.catch_ups_waiting = 0
        self._idempotent: dict[tuple[str, str], tuple[float, Status]] = {}
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._answering = threading.Event()  # cleared: a new status is made, its answer waits
        self._answering.set()
        super().__init__(Starlette(routes=[
            Route("/api/v1/accounts/verify_credentials", self._verify),
            Route("/api/v1/accounts/{id}", self._account),
            Route("/api/v1/statuses", self._post, methods=["POST"]),
            Route("/api/v1/statuses/{id}", self._status),
            Route("/api/v1/statuses/{id}/context", self._context),
            Route("/api/v1/notifications", self._notifications),
            Route(STREAM, self._stream),
            Route(STREAM_NODE + STREAM, self._stream),
            Route("/api/v1/timelines/public", self._public_timeline),
            Route("/api/v1/timelines/tag/{hashtag}", self._tag_timeline),
            Route("/api/v1/streaming/public", self._stream),
            Route("/api/v1/streaming/hashtag", self._stream),
            Route("/api/v1/streaming/health", lambda _: PlainTextResponse("OK")),
        ]))

    def stop(self) -> None:
        self.drop_streams()
        self.release_catch_up()
        self.release_answers()
        super().stop()

    @property
    def base_url(self) -> str:
        return self.address

    # -- the network's side ------------------------------------------------------------

    def bot(self, username: str | None = None) -> MastodonAccount:
        """The account a channel speaks as, with its access token."""
        name = username or f"brand{secrets.token_hex(3)}"
        made = MastodonAccount(new_id(), name, name.title(), token=secrets.token_urlsafe(32))
        self.accounts[made.id] = made
        return made

    def person(self, display_name: str, domain: str | None = None) -> MastodonAccount:
        username = re.sub(r"\W", "", display_name.lower())[:20] + secrets.token_hex(2)
        made = MastodonAccount(new_id(), username, display_name, domain)
        self.accounts[made.id] = made
        return made

    def mention(self, author: MastodonAccount, bot: MastodonAccount, text: str, *,
                visibility: str = "public", in_reply_to: Status | None = None,
                age: timedelta = timedelta(0)) -> Status:
        """`author` writes "@bot text": the bot is notified (and its open streams told)."""
        status = self._create(author, f"@{bot.acct} {text}", visibility, in_reply_to,
                              datetime.now(UTC) - age)
        notification = {"id": new_id(), "type": "mention", "created_at": iso(status.created),
                        "account": self._account_json(author),
                        "status": self._status_json(status)}
        frame = f"event: notification\ndata: {json.dumps(notification)}\n\n"
        with self._lock:
            self.notifications.setdefault(bot.id, []).append(notification)
            for stream in self.streams:
                if stream.account_id == bot.id and not stream.closed:
                    stream.pending.append(frame)
        return status

    def status(self, author: MastodonAccount, text: str, *, visibility: str = "public",
               in_reply_to: Status | None = None) -> Status:
        """A status that notifies nobody (the brand's own post, written elsewhere)."""
        return self._create(author, text, visibility, in_reply_to, datetime.now(UTC))

    def notification_of(self, status: Status) -> dict[str, Any]:
        return next(n for ns in self.notifications.values() for n in ns
                    if n["status"]["id"] == status.id)

    def open_streams(self, bot: MastodonAccount) -> int:
        with self._lock:
            return sum(1 for s in self.streams if s.account_id == bot.id and
                       s.timeline == "user" and not s.closed and not s.dropped)

    def drop_streams(self) -> None:
        """Cut every open stream, as a restarting streaming server does."""
        with self._lock:
            for stream in self.streams:
                stream.dropped = True

    def hold_catch_up(self) -> None:
        """Notification lists wait (see `catch_ups_waiting`) until `release_catch_up`."""
        self._open.clear()

    def release_catch_up(self) -> None:
        self._open.set()

    def hold_answers(self) -> None:
        """Statuses are still made, but their answers wait until `release_answers` (so a
        test can stop the desk's process between the network's publishing and its reply)."""
        self._answering.clear()

    def release_answers(self) -> None:
        self._answering.set()

    def exhaust(self, kind: str, reset_in: int = 60, remaining: int = 0) -> None:
        """Set a limit's window ("api" for every call, "statuses" for posting)."""
        limit = self.limits[kind]
        limit.remaining, limit.reset = remaining, time.time() + reset_in

    def posted_to(self, status: Status) -> list[Posted]:
        return [p for p in self.posted if p.status.in_reply_to is status]

    # -- JSON as the API shows it ------------------------------------------------------

    def _account_json(self, account: MastodonAccount) -> dict[str, Any]:
        host = account.domain or self.domain
        return {"id": account.id, "username": account.username, "acct": account.acct,
                "display_name": account.display_name, "locked": False, "bot": bool(
                    account.token), "url": f"https://{host}/@{account.username}",
                "avatar": f"https://{self.domain}/avatars/original/missing.png",
                "note": "", "followers_count": 0, "following_count": 0, "statuses_count": 1}

    def _status_json(self, status: Status) -> dict[str, Any]:
        url = f"https://{self.domain}/@{status.account.acct}/{status.id}"
        return {
            "id": status.id, "created_at": iso(status.created),
            "in_reply_to_id": status.in_reply_to.id if status.in_reply_to else None,
            "in_reply_to_account_id": (status.in_reply_to.account.id if status.in_reply_to
                                       else None),
            "sensitive": False, "spoiler_text": "", "visibility": status.visibility,
            "language": status.language, "uri": url, "url": url, "replies_count": 0,
            "reblogs_count": 0, "favourites_count": 0,
            "content": content_html(status.text, self.accounts, self.domain),
            "reblog": None, "account": self._account_json(status.account),
            "media_attachments": [],
            "mentions": [{"id": m.id, "username": m.username, "acct": m.acct,
                          "url": f"https://{m.domain or self.domain}/@{m.username}"}
                         for m in status.mentions],
            "tags": self.tag_json(status), "emojis": [], "card": None, "poll": None,
        }

    def _create(self, author: MastodonAccount, text: str, visibility: str,
                in_reply_to: Status | None, created: datetime) -> Status:
        mentioned = [a for found in _MENTION.finditer(text)
                     for a in self.accounts.values() if a.acct == found.group(0)[1:]]
        status = Status(new_id(), author, text, visibility, created, in_reply_to, mentioned)
        self.statuses[status.id] = status
        return status

    # -- the API -------------------------------------------------------------------------

    def _caller(self, request: Request) -> MastodonAccount | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = token or request.query_params.get("access_token", "")
        return next((a for a in self.accounts.values() if token and a.token == token), None)

    def _limited(self, response: Response, limit: Limit) -> Response:
        response.headers["X-RateLimit-Limit"] = str(limit.limit)
        response.headers["X-RateLimit-Remaining"] = str(max(limit.remaining, 0))
        response.headers["X-RateLimit-Reset"] = iso(datetime.fromtimestamp(limit.reset, UTC))
        return response

    async def _begin(self, request: Request, kind: str = "api"
                     ) -> tuple[MastodonAccount | None, Response | None, Limit]:
        """Log the call, check the token, count it against the limit."""
        self.requests.append({"method": request.method, "path": request.url.path,
                              "query": str(request.query_params),
                              "headers": dict(request.headers)})
        limit = self.limits[kind]
        now = time.time()
        if limit.reset <= now:
            limit.remaining, limit.reset = limit.limit, now + limit.window
        caller = self._caller(request)
        if caller is None:
            return None, error(401, "The access token is invalid"), limit
        if limit.remaining <= 0:
            return caller, error(429, "Too many requests"), limit
        limit.remaining -= 1
        return caller, None, limit

    async def _verify(self, request: Request) -> Response:
        caller, refused, limit = await self._begin(request)
        if refused:
            return self._limited(refused, limit)
        assert caller is not None
        return self._limited(JSONResponse(self._account_json(caller)), limit)

    async def _account(self, request: Request) -> Response:
        _, refused, limit = await self._begin(request)
        found = self.accounts.get(request.path_params["id"])
        if refused or found is None:
            return self._limited(refused or error(404, "Record not found"), limit)
        return self._limited(JSONResponse(self._account_json(found)), limit)

    def _visible(self, status: Status | None, caller: MastodonAccount) -> bool:
        if status is None:
            return False
        return status.visibility != "direct" or caller in (status.account, *status.mentions)

    async def _readable(self, request: Request
                        ) -> Response | tuple[Status, MastodonAccount, Limit]:
        """The status named in the path, as its caller may see it, or the answer refusing it."""
        caller, refused, limit = await self._begin(request)
        if refused:
            return self._limited(refused, limit)
        assert caller is not None
        status = self.statuses.get(request.path_params["id"])
        if status is None or not self._visible(status, caller):
            return self._limited(error(404, "Record not found"), limit)
        return status, caller, limit

    async def _status(self, request: Request) -> Response:
        found = await self._readable(request)
        if isinstance(found, Response):
            return found
        status, _, limit = found
        return self._limited(JSONResponse(self._status_json(status)), limit)

    async def _context(self, request: Request) -> Response:
        found = await self._readable(request)
        if isinstance(found, Response):
            return found
        status, caller, limit = found
        ancestors: list[Status] = []
        parent = status.in_reply_to
        while parent is not None:
            ancestors.insert(0, parent)
            parent = parent.in_reply_to
        shown = [self._status_json(s) for s in ancestors if self._visible(s, caller)]
        return self._limited(JSONResponse({"ancestors": shown, "descendants": []}), limit)

    async def _post(self, request: Request) -> Response:
        caller, refused, limit = await self._begin(request, "statuses")
        if refused:
            return self._limited(refused, limit)
        assert caller is not None
        try:
            body = await request.json()
        except ValueError:
            body = dict(await request.form())
        if not isinstance(body, dict):
            return self._limited(error(422, "Validation failed: Text can't be blank"), limit)
        key = request.headers.get("idempotency-key")
        now = time.time()
        if key and (seen := self._idempotent.get((caller.id, key))) and \
                now - seen[0] < IDEMPOTENCY_SECONDS:
            return self._limited(JSONResponse(self._status_json(seen[1])), limit)
        text = str(body.get("status") or "")
        visibility = str(body.get("visibility") or "public")
        if not text.strip():
            return self._limited(error(422, "Validation failed: Text can't be blank"), limit)
        if len(text) > CHARACTER_LIMIT:
            return self._limited(error(422, "Validation failed: Text character limit of "
                                            f"{CHARACTER_LIMIT} exceeded"), limit)
        if visibility not in ("public", "unlisted", "private", "direct"):
            return self._limited(error(422, "Validation failed: Visibility is not included "
                                            "in the list"), limit)
        replied = None
        if body.get("in_reply_to_id"):
            replied = self.statuses.get(str(body["in_reply_to_id"]))
            if replied is None or not self._visible(replied, caller):
                return self._limited(error(404, "Record not found"), limit)
        status = self._create(caller, text, visibility, replied, datetime.now(UTC))
        if key:
            self._idempotent[(caller.id, key)] = (now, status)
        self.posted.append(Posted(status, body, key))
        await asyncio.to_thread(self._answering.wait)
        return self._limited(JSONResponse(self._status_json(status)), limit)

    async def _notifications(self, request: Request) -> Response:
        caller, refused, limit = await self._begin(request)
        if refused:
            return self._limited(refused, limit)
        assert caller is not None
        self.catch_ups_waiting += 1
        try:
            await asyncio.to_thread(self._open.wait)
        finally:
            self.catch_ups_waiting -= 1
        query = request.query_params
        types = query.getlist("types[]")
        limit_n = min(int(query.get("limit") or 40), 80)
        with self._lock:
            mine = [n for n in self.notifications.get(caller.id, [])
                    if not types or n["type"] in types]

        def key(n: dict[str, Any]) -> tuple[int, str]:
            return len(n["id"]), n["id"]

        def above(value: str) -> list[dict[str, Any]]:
            return [n for n in mine if key(n) > (len(value), value)]

        mine.sort(key=key, reverse=True)
        if query.get("max_id"):
            mine = [n for n in mine if key(n) < (len(query["max_id"]), query["max_id"])]
        if query.get("min_id"):
            page = list(reversed(list(reversed(above(query["min_id"])))[:limit_n]))
        elif query.get("since_id"):
            page = above(query["since_id"])[:limit_n]
        else:
            page = mine[:limit_n]
        response = JSONResponse(page)
        if page:
            base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"
            response.headers["Link"] = (f'<{base}?max_id={page[-1]["id"]}>; rel="next", '
                                        f'<{base}?min_id={page[0]["id"]}>; rel="prev"')
        return self._limited(response, limit)

    async def _stream(self, request: Request) -> Response:
        if self.streaming_elsewhere and not request.url.path.startswith(STREAM_NODE):
            return RedirectResponse(f"{STREAM_NODE}{STREAM}?{request.url.query}".rstrip("?"),
                                    status_code=301)
        self.requests.append({"method": "GET", "path": request.url.path,
                              "query": str(request.query_params),
                              "headers": dict(request.headers)})
        caller = self._caller(request)
        if caller is None:
            return error(401, "Invalid access token")
        path = request.url.path.removeprefix(STREAM_NODE)
        timeline = {"/api/v1/streaming/public": "public",
                    "/api/v1/streaming/hashtag": "hashtag:" + request.query_params.get(
                        "tag", "").casefold()}.get(path, "user")
        stream = Stream(caller.id, timeline)
        with self._lock:
            self.streams.append(stream)

        async def frames() -> AsyncIterator[str]:
            try:
                yield ":)\n"
                beat = time.monotonic()
                while True:
                    with self._lock:
                        ready, stream.pending = stream.pending, []
                        dropped = stream.dropped
                    for frame in ready:
                        yield frame
                    if dropped:
                        return
                    if time.monotonic() - beat > HEARTBEAT_SECONDS:
                        beat = time.monotonic()
                        yield ":thump\n"
                    await asyncio.sleep(0.02)
            finally:
                stream.closed = True

        return StreamingResponse(frames(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})
