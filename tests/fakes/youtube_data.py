"""A fake YouTube Data API v3: comment threads, replies, and the daily quota.

Implements GET /channels?mine=true (the token's channel), GET /commentThreads
(allThreadsRelatedToChannelId, pageToken paging, threads newest activity first, each with up
to INCLUDED_REPLIES of its replies and totalReplyCount), GET /comments?parentId= (paged), and
POST /comments?part=snippet (a reply to a top-level comment). Calls carry an OAuth bearer
token; errors use Google's documented body
{"error": {"code", "message", "errors": [{"message", "domain", "reason"}]}}. Every call is
charged to the project's quota (channels.list, commentThreads.list and comments.list 1,
comments.insert 50); past the limit the answer is 403 quotaExceeded.
"""

from __future__ import annotations

import itertools
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.running import FakeNetwork

INCLUDED_REPLIES = 5
COSTS = {"channels.list": 1, "commentThreads.list": 1, "comments.list": 1,
         "comments.insert": 50}
ALPHABET = string.ascii_letters + string.digits + "-_"


def token_chars(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def channel_id() -> str:
    return "UC" + token_chars(22)


def stamp(moment: datetime) -> str:
    """YouTube's publishedAt: whole seconds, UTC, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class YouTubeChannel:
    id: str
    title: str
    token: str
    # The scopes the token was granted; replying needs youtube.force-ssl.
    can_comment: bool = True

    @property
    def handle(self) -> str:
        return "@" + self.title.lower().replace(" ", "")


@dataclass
class Comment:
    id: str
    author: YouTubeChannel
    text: str
    published: datetime
    video_id: str
    parent_id: str | None = None

    def resource(self) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "videoId": self.video_id, "textDisplay": self.text, "textOriginal": self.text,
            "authorDisplayName": self.author.handle,
            "authorProfileImageUrl": "https://yt3.ggpht.example/a.jpg",
            "authorChannelUrl": f"http://www.youtube.com/{self.author.handle}",
            "authorChannelId": {"value": self.author.id}, "canRate": True,
            "viewerRating": "none", "likeCount": 0,
            "publishedAt": stamp(self.published), "updatedAt": stamp(self.published),
        }
        if self.parent_id:
            snippet["parentId"] = self.parent_id
        return {"kind": "youtube#comment", "etag": token_chars(27), "id": self.id,
                "snippet": snippet}


@dataclass
class CommentThread:
    top: Comment
    owner: YouTubeChannel  # the channel whose video it is on
    replies: list[Comment] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.top.id

    def activity(self) -> datetime:
        return max([self.top.published, *(r.published for r in self.replies)])

    def resource(self) -> dict[str, Any]:
        made: dict[str, Any] = {
            "kind": "youtube#commentThread", "etag": token_chars(27), "id": self.id,
            "snippet": {"channelId": self.owner.id, "videoId": self.top.video_id,
                        "topLevelComment": self.top.resource(), "canReply": True,
                        "totalReplyCount": len(self.replies), "isPublic": True},
        }
        if self.replies:
            made["replies"] = {"comments": [r.resource()
                                            for r in self.replies[:INCLUDED_REPLIES]]}
        return made


def google_error(status: int, reason: str, message: str, domain: str = "global"
                 ) -> JSONResponse:
    return JSONResponse({"error": {
        "code": status, "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }}, status_code=status)


def quota_exceeded() -> JSONResponse:
    return google_error(403, "quotaExceeded", "The request cannot be completed because you "
                        "have exceeded your <a href=\"/youtube/v3/getting-started#quota\">"
                        "quota</a>.", "youtube.quota")


@dataclass
class Inserted:
    parent_id: str
    text: str
    answered: bool  # False when the fake dropped the answer after storing the reply


class FakeYouTube(FakeNetwork):
    def __init__(self, daily_quota: int = 10_000) -> None:
        self.channels: dict[str, YouTubeChannel] = {}
        self.threads: dict[str, CommentThread] = {}
        self.inserted: list[Inserted] = []
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.daily_quota = daily_quota
        self.units_used = 0
        self.lose_next_answers = 0
        self._ids = itertools.count(1)
        super().__init__(Starlette(routes=[
            Route("/channels", self._channels, methods=["GET"]),
            Route("/commentThreads", self._threads, methods=["GET"]),
            Route("/comments", self._comments, methods=["GET"]),
            Route("/comments", self._insert, methods=["POST"]),
        ]))

    @property
    def url(self) -> str:
        return self.address

    # -- the network's side ------------------------------------------------------------

    def channel(self, title: str = "Brand", can_comment: bool = True) -> YouTubeChannel:
        made = YouTubeChannel(channel_id(), f"{title} {next(self._ids)}",
                              "ya29." + token_chars(60), can_comment)
        self.channels[made.id] = made
        return made

    def viewer(self, name: str) -> YouTubeChannel:
        return self.channel(name)

    def comment(self, on: YouTubeChannel, author: YouTubeChannel, text: str,
                age: timedelta = timedelta(0), video_id: str = "dQw4w9WgXcQ") -> CommentThread:
        top = Comment("Ugz" + token_chars(20) + "4AaABAg", author, text,
                      datetime.now(UTC) - age, video_id)
        made = CommentThread(top, on)
        self.threads[made.id] = made
        return made

    def reply(self, thread: CommentThread, author: YouTubeChannel, text: str,
              age: timedelta = timedelta(0)) -> Comment:
        made = Comment(f"{thread.id}.{token_chars(22)}", author, text,
                       datetime.now(UTC) - age, thread.top.video_id, thread.id)
        thread.replies.append(made)
        return made

    def replies_by(self, author: YouTubeChannel) -> list[Comment]:
        return [r for t in self.threads.values() for r in t.replies if r.author is author]

    def calls_of(self, path: str) -> list[dict[str, str]]:
        return [params for called, params in self.calls if called == path]

    # -- the API -------------------------------------------------------------------------

    def _begin(self, request: Request, method: str
               ) -> tuple[YouTubeChannel | None, JSONResponse | None]:
        self.calls.append((request.url.path, dict(request.query_params)))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        caller = next((c for c in self.channels.values() if c.token == token), None)
        if caller is None:
            return None, google_error(401, "authError", "Invalid Credentials")
        if self.units_used + COSTS[method] > self.daily_quota:
            return caller, quota_exceeded()
        self.units_used += COSTS[method]
        return caller, None

    @staticmethod
    def _page(items: list[dict[str, Any]], request: Request, default_size: int
              ) -> dict[str, Any]:
        size = min(int(request.query_params.get("maxResults", default_size)), 100)
        start = int(request.query_params.get("pageToken") or 0)
        answer: dict[str, Any] = {"pageInfo": {"totalResults": len(items),
                                               "resultsPerPage": size},
                                  "items": items[start:start + size]}
        if start + size < len(items):
            answer["nextPageToken"] = str(start + size)
        return answer

    async def _channels(self, request: Request) -> JSONResponse:
        caller, refused = self._begin(request, "channels.list")
        if refused:
            return refused
        assert caller is not None
        mine = [{"kind": "youtube#channel", "etag": token_chars(27), "id": caller.id}] \
            if request.query_params.get("mine") == "true" else []
        return JSONResponse({"kind": "youtube#channelListResponse", "items": mine,
                             "pageInfo": {"totalResults": len(mine), "resultsPerPage": 5}})

    async def _threads(self, request: Request) -> JSONResponse:
        _, refused = self._begin(request, "commentThreads.list")
        if refused:
            return refused
        owner = request.query_params.get("allThreadsRelatedToChannelId", "")
        if owner not in self.channels:
            return google_error(404, "channelNotFound", "The channel could not be found.",
                                "youtube.commentThread")
        related = sorted((t for t in self.threads.values() if t.owner.id == owner),
                         key=CommentThread.activity, reverse=True)
        answer = self._page([t.resource() for t in related], request, 20)
        return JSONResponse({"kind": "youtube#commentThreadListResponse", **answer})

    async def _comments(self, request: Request) -> JSONResponse:
        _, refused = self._begin(request, "comments.list")
        if refused:
            return refused
        thread = self.threads.get(request.query_params.get("parentId", ""))
        if thread is None:
            return google_error(404, "commentNotFound", "The comment could not be found.",
                                "youtube.comment")
        answer = self._page([r.resource() for r in thread.replies], request, 20)
        return JSONResponse({"kind": "youtube#commentListResponse", **answer})

    async def _insert(self, request: Request) -> JSONResponse:
        caller, refused = self._begin(request, "comments.insert")
        if refused:
            return refused
        assert caller is not None
        if not caller.can_comment:
            return google_error(403, "insufficientPermissions",
                                "Request had insufficient authentication scopes.")
        body = await request.json()
        snippet = body.get("snippet") if isinstance(body, dict) else None
        snippet = snippet if isinstance(snippet, dict) else {}
        text = str(snippet.get("textOriginal") or "")
        if not text.strip():
            return google_error(400, "commentTextRequired", "The comment text is required.",
                                "youtube.comment")
        if len(text) > 10_000:
            return google_error(400, "commentTextTooLong", "The comment text is too long.",
                                "youtube.comment")
        thread = self.threads.get(str(snippet.get("parentId") or ""))
        if thread is None:
            return google_error(404, "parentCommentNotFound",
                                "The parent comment could not be found.", "youtube.comment")
        made = self.reply(thread, caller, text)
        if self.lose_next_answers > 0:
            # Stored, but the answer never arrives: the caller cannot know it went out.
            self.lose_next_answers -= 1
            self.inserted.append(Inserted(thread.id, text, False))
            return google_error(503, "backendError", "Backend Error")
        self.inserted.append(Inserted(thread.id, text, True))
        return JSONResponse(made.resource())
