"""A fake X API (v2 posts and direct messages) and its Account Activity webhooks.

Implements POST /2/tweets (reply.in_reply_to_tweet_id), GET /2/tweets/search/recent
(tests/fakes/x_search.py) and
POST /2/dm_conversations/with/:participant_id/messages with bearer tokens, the documented
answers (201 {"data": ...}; problems {"title", "detail", "type", "status"}), the rate-limit
headers x-rate-limit-limit / -remaining / -reset with 429 once exhausted, and webhooks signed
with x-twitter-webhooks-signature (sha256= base64 HMAC-SHA256 of the body, consumer secret).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.running import FakeNetwork
from tests.fakes.x_search import RecentSearch

_ids = itertools.count(1_800_000_000_000_000_000 + int(time.time() * 1000) * 1000)


def new_id() -> str:
    return str(next(_ids))


@dataclass
class XAccount:
    id: str
    screen_name: str
    token: str
    consumer_secret: str


@dataclass
class XUser:
    id: str
    name: str
    screen_name: str
    accepts_dms: bool = True


@dataclass
class Tweet:
    id: str
    author: XUser | XAccount
    text: str
    created: datetime
    in_reply_to: Tweet | None = None
    lang: str = "en"


@dataclass
class Sent:
    kind: str  # tweet | dm
    target: str  # the tweet replied to, or the DM participant
    text: str
    body: dict[str, Any] = field(repr=False)


@dataclass
class Limit:
    limit: int = 100
    remaining: int = 100
    reset: int = 0


def sign(consumer_secret: str, data: bytes) -> str:
    mac = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> JSONResponse:
    return JSONResponse({"title": title, "detail": detail, "type": kind, "status": status},
                        status_code=status)


class FakeX(RecentSearch, FakeNetwork):
    def __init__(self) -> None:
        self.accounts: dict[str, XAccount] = {}
        self.users: dict[str, XUser] = {}
        self.tweets: dict[str, Tweet] = {}
        self.sent: list[Sent] = []
        self.requests: list[dict[str, Any]] = []
        # Cleared: a tweet is made, its answer waits (the desk's process may stop meanwhile).
        self.answering = threading.Event()
        self.answering.set()
        self.limits: dict[str, Limit] = {"tweets": Limit(), "dm": Limit(),
                                         "search": Limit(450, 450)}
        super().__init__(Starlette(routes=[
            Route("/2/tweets", self._tweet, methods=["POST"]),
            Route("/2/tweets/search/recent", self._search),
            Route("/2/dm_conversations/with/{participant_id}/messages", self._dm,
                  methods=["POST"]),
        ]))

    @property
    def base_url(self) -> str:
        return self.address

    def stop(self) -> None:
        self.answering.set()
        super().stop()

    # -- the network's side ------------------------------------------------------------

    def account(self) -> XAccount:
        made = XAccount(new_id(), f"brand{secrets.token_hex(3)}", secrets.token_urlsafe(30),
                        secrets.token_urlsafe(30))
        self.accounts[made.id] = made
        return made

    def user(self, name: str, accepts_dms: bool = True) -> XUser:
        made = XUser(new_id(), name, name.lower().replace(" ", "_")[:15], accepts_dms)
        self.users[made.id] = made
        return made

    def tweet(self, author: XUser, text: str, *, in_reply_to: Tweet | None = None,
              age: timedelta = timedelta(0), lang: str = "en") -> Tweet:
        made = Tweet(new_id(), author, text, datetime.now(UTC) - age, in_reply_to, lang)
        self.tweets[made.id] = made
        return made

    @staticmethod
    def _user_json(user: XUser | XAccount) -> dict[str, Any]:
        name = user.name if isinstance(user, XUser) else user.screen_name
        return {"id": int(user.id), "id_str": user.id, "name": name,
                "screen_name": user.screen_name}

    def tweet_webhook(self, account: XAccount, made: Tweet) -> dict[str, Any]:
        event: dict[str, Any] = {
            "created_at": made.created.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "id": int(made.id), "id_str": made.id, "text": made.text, "truncated": False,
            "user": self._user_json(made.author),
            "in_reply_to_status_id_str": made.in_reply_to.id if made.in_reply_to else None,
            "in_reply_to_user_id_str": made.in_reply_to.author.id if made.in_reply_to else None,
        }
        return {"for_user_id": account.id, "tweet_create_events": [event]}

    def dm_webhook(self, account: XAccount, sender: XUser | XAccount, text: str,
                   recipient: XUser | None = None) -> dict[str, Any]:
        target = recipient.id if recipient else account.id
        event = {
            "type": "message_create", "id": new_id(),
            "created_timestamp": str(int(time.time() * 1000)),
            "message_create": {"target": {"recipient_id": target}, "sender_id": sender.id,
                               "message_data": {"text": text, "entities": {}}},
        }
        users = {sender.id: self._user_json(sender)}
        return {"for_user_id": account.id, "direct_message_events": [event], "users": users}

    @staticmethod
    def signed(payload: dict[str, Any], consumer_secret: str) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        return body, {"Content-Type": "application/json",
                      "x-twitter-webhooks-signature": sign(consumer_secret, body)}

    def exhaust(self, endpoint: str, reset_in: int = 60) -> None:
        """Use up an endpoint's window: the next calls get 429 until the reset."""
        self.limits[endpoint] = Limit(remaining=0, reset=int(time.time()) + reset_in)

    def sent_of(self, kind: str, target: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind and target in (None, s.target)]

    # -- the API -------------------------------------------------------------------------

    async def _begin(self, request: Request, endpoint: str
                     ) -> tuple[dict[str, Any], XAccount | None, JSONResponse | None, Limit]:
        raw = await request.body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        self.requests.append({"path": request.url.path, "body": body,
                              "headers": dict(request.headers)})
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        account = next((a for a in self.accounts.values() if a.token == token), None)
        limit = self._window(endpoint)
        if account is None:
            return {}, None, problem(401, "Unauthorized", "Unauthorized"), limit
        if limit.remaining <= 0:
            return {}, account, problem(429, "Too Many Requests", "Too Many Requests"), limit
        limit.remaining -= 1
        if not isinstance(body, dict) or not str(body.get("text", "")).strip():
            return {}, account, problem(
                400, "Invalid Request", "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request"), limit
        return body, account, None, limit

    def _window(self, endpoint: str) -> Limit:
        """The endpoint's limit, its 15-minute window started anew once it ran out."""
        limit = self.limits[endpoint]
        now = int(time.time())
        if limit.reset <= now:
            limit.remaining, limit.reset = limit.limit, now + 900
        return limit

    @staticmethod
    def _headed(response: JSONResponse, limit: Limit) -> JSONResponse:
        response.headers["x-rate-limit-limit"] = str(limit.limit)
        response.headers["x-rate-limit-remaining"] = str(max(limit.remaining, 0))
        response.headers["x-rate-limit-reset"] = str(limit.reset)
        return response

    async def _tweet(self, request: Request) -> JSONResponse:
        body, account, refused, limit = await self._begin(request, "tweets")
        if refused:
            return self._headed(refused, limit)
        assert account is not None
        target = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        replied = self.tweets.get(str(target)) if target else None
        if target and replied is None:
            return self._headed(problem(
                400, "Invalid Request", "The tweet you are replying to does not exist.",
                "https://api.twitter.com/2/problems/invalid-request"), limit)
        if any(t.author is account and t.text == body["text"] for t in self.tweets.values()):
            return self._headed(problem(
                403, "Forbidden",
                "You are not allowed to create a Tweet with duplicate content."), limit)
        made = Tweet(new_id(), account, body["text"], datetime.now(UTC), replied)
        self.tweets[made.id] = made
        self.sent.append(Sent("tweet", str(target or ""), body["text"], body))
        await asyncio.to_thread(self.answering.wait)
        data = {"id": made.id, "text": made.text, "edit_history_tweet_ids": [made.id]}
        return self._headed(JSONResponse({"data": data}, status_code=201), limit)

    async def _dm(self, request: Request) -> JSONResponse:
        body, account, refused, limit = await self._begin(request, "dm")
        if refused:
            return self._headed(refused, limit)
        assert account is not None
        participant = request.path_params["participant_id"]
        user = self.users.get(participant)
        if user is None or not user.accepts_dms:
            return self._headed(problem(
                403, "Forbidden", "You cannot send messages to this user."), limit)
        self.sent.append(Sent("dm", participant, body["text"], body))
        low, high = sorted([int(account.id), int(participant)])
        data = {"dm_conversation_id": f"{low}-{high}", "dm_event_id": new_id()}
        return self._headed(JSONResponse({"data": data}, status_code=201), limit)
