"""A fake Meta Graph API (Facebook Pages, Messenger, Instagram) and its webhooks.

It implements what the desk uses, as documented: public replies (POST /{comment-id}/comments
on Facebook, POST /{ig-comment-id}/replies on Instagram), private replies (POST
/{page-id}/messages with recipient {comment_id}: one per comment, within 7 days) and messages
(recipient {id}, only within 24 hours of the customer's last message), Graph errors
({"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}) and signed webhooks.
On Facebook a commenter's id differs from their Messenger id (PSID), as on the real network:
the PSID comes back in the private reply's answer.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.running import FakeNetwork

VERSION = "v21.0"
_ids = itertools.count(int(datetime.now(UTC).timestamp()) * 1000)


def new_id() -> str:
    return str(next(_ids))


@dataclass
class Account:
    network: str  # facebook | instagram
    id: str
    token: str
    app_secret: str
    verify_token: str


@dataclass
class Customer:
    name: str
    user_id: str  # as Page comments show them (on Instagram: the IGSID)
    psid: str  # as messaging shows them (on Instagram the same IGSID)


@dataclass
class Comment:
    id: str
    account: Account
    author: Customer
    text: str
    created: datetime
    post_id: str
    parent_id: str | None = None
    private_replied: bool = False


@dataclass
class Sent:
    kind: str  # public_reply | private_reply | message
    target: str  # the comment id, or the recipient's id
    text: str
    body: dict[str, Any] = field(repr=False)


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def graph_error(code: int, message: str, subcode: int | None = None, status: int = 400,
                kind: str = "OAuthException") -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code,
                             "fbtrace_id": secrets.token_urlsafe(8)}
    if subcode is not None:
        error["error_subcode"] = subcode
    return JSONResponse({"error": error}, status_code=status)


class FakeMeta(FakeNetwork):
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.comments: dict[str, Comment] = {}
        self.last_inbound: dict[tuple[str, str], datetime] = {}
        self.sent: list[Sent] = []
        self.requests: list[dict[str, Any]] = []
        self.failures: deque[JSONResponse] = deque()
        super().__init__(Starlette(routes=[
            Route(f"/{VERSION}/{{object_id}}/comments", self._comment_reply, methods=["POST"]),
            Route(f"/{VERSION}/{{object_id}}/replies", self._ig_reply, methods=["POST"]),
            Route(f"/{VERSION}/{{object_id}}/messages", self._messages, methods=["POST"]),
        ]))

    @property
    def base_url(self) -> str:
        return f"{self.address}/{VERSION}"

    # -- the network's side: accounts, customers, what they write -------------------------

    def account(self, network: str) -> Account:
        made = Account(network, new_id(), "EAAB" + secrets.token_urlsafe(24),
                       secrets.token_hex(16), secrets.token_urlsafe(12))
        self.accounts[made.id] = made
        return made

    def customer(self, name: str, network: str = "facebook") -> Customer:
        user_id = new_id()
        return Customer(name, user_id, new_id() if network == "facebook" else user_id)

    def comment(self, account: Account, author: Customer, text: str, *,
                age: timedelta = timedelta(0), parent: Comment | None = None) -> Comment:
        post_id = parent.post_id if parent else f"{account.id}_{new_id()}"
        facebook = account.network == "facebook"
        made = Comment(
            id=f"{post_id.split('_')[-1]}_{new_id()}" if facebook else new_id(),
            account=account, author=author, text=text,
            created=datetime.now(UTC) - age, post_id=post_id,
            parent_id=parent.id if parent else None,
        )
        self.comments[made.id] = made
        return made

    def comment_webhook(self, made: Comment) -> dict[str, Any]:
        account = made.account
        when = int(made.created.timestamp())
        if account.network == "facebook":
            value: dict[str, Any] = {
                "from": {"id": made.author.user_id, "name": made.author.name},
                "post": {"id": made.post_id, "status_type": "added_photos",
                         "is_published": True, "type": "photo"},
                "message": made.text, "post_id": made.post_id, "comment_id": made.id,
                "created_time": when, "item": "comment",
                "parent_id": made.parent_id or made.post_id, "verb": "add",
            }
            change = {"field": "feed", "value": value}
            return {"object": "page", "entry": [{"id": account.id, "time": when,
                                                 "changes": [change]}]}
        value = {"from": {"id": made.author.user_id, "username": made.author.name},
                 "media": {"id": made.post_id, "media_product_type": "FEED"},
                 "id": made.id, "text": made.text}
        if made.parent_id:
            value["parent_id"] = made.parent_id
        return {"object": "instagram",
                "entry": [{"id": account.id, "time": when,
                           "changes": [{"field": "comments", "value": value}]}]}

    def message_webhook(self, account: Account, author: Customer, text: str, *,
                        age: timedelta = timedelta(0), echo: bool = False) -> dict[str, Any]:
        """The customer writes a direct message (or, with echo, we did): its webhook."""
        moment = datetime.now(UTC) - age
        if not echo:
            self.last_inbound[(account.id, author.psid)] = moment
        message: dict[str, Any] = {"mid": "m_" + secrets.token_urlsafe(16), "text": text}
        if echo:
            message["is_echo"] = True
        sender, recipient = (account.id, author.psid) if echo else (author.psid, account.id)
        event = {"sender": {"id": sender}, "recipient": {"id": recipient},
                 "timestamp": int(moment.timestamp() * 1000), "message": message}
        return {"object": "page" if account.network == "facebook" else "instagram",
                "entry": [{"id": account.id, "time": int(moment.timestamp() * 1000),
                           "messaging": [event]}]}

    @staticmethod
    def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        return body, {"Content-Type": "application/json",
                      "X-Hub-Signature-256": sign(app_secret, body)}

    def fail_next(self, code: int, message: str, subcode: int | None = None,
                  status: int = 400, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(graph_error(code, message, subcode, status))

    def sent_of(self, kind: str, target: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind and target in (None, s.target)]

    # -- the Graph API -----------------------------------------------------------------

    async def _read(self, request: Request) -> tuple[dict[str, Any], Account | None]:
        raw = await request.body()
        body: dict[str, Any] = {}
        if "json" in request.headers.get("content-type", ""):
            body = json.loads(raw or b"{}")
        elif raw:
            body = dict((await request.form()).items())
        body.update({k: v for k, v in request.query_params.items() if k != "access_token"})
        token = request.query_params.get("access_token") or request.headers.get(
            "authorization", "").removeprefix("Bearer ")
        self.requests.append({"path": request.url.path, "body": body})
        account = next((a for a in self.accounts.values() if a.token == token), None)
        return body, account

    def _check(self, account: Account | None) -> JSONResponse | None:
        if self.failures:
            return self.failures.popleft()
        if account is None:
            return graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        return None

    def _own_comment(self, object_id: str, account: Account, network: str) -> Comment | None:
        made = self.comments.get(object_id)
        if made is None or made.account.id != account.id or account.network != network:
            return None
        return made

    async def _comment_reply(self, request: Request) -> JSONResponse:
        body, account = await self._read(request)
        if refused := self._check(account):
            return refused
        assert account is not None
        target = request.path_params["object_id"]
        made = self._own_comment(target, account, "facebook")
        if made is None:
            return graph_error(100, "Unsupported post request. Object does not exist", 33,
                               kind="GraphMethodException")
        if not str(body.get("message", "")).strip():
            return graph_error(100, "(#100) The parameter message is required")
        self.sent.append(Sent("public_reply", target, body["message"], body))
        return JSONResponse({"id": f"{made.post_id.split('_')[-1]}_{new_id()}"})

    async def _ig_reply(self, request: Request) -> JSONResponse:
        body, account = await self._read(request)
        if refused := self._check(account):
            return refused
        assert account is not None
        target = request.path_params["object_id"]
        if self._own_comment(target, account, "instagram") is None:
            return graph_error(100, "Unsupported post request. Object does not exist", 33,
                               kind="GraphMethodException")
        if not str(body.get("message", "")).strip():
            return graph_error(100, "(#100) The parameter message is required")
        self.sent.append(Sent("public_reply", target, body["message"], body))
        return JSONResponse({"id": new_id()})

    async def _messages(self, request: Request) -> JSONResponse:
        body, account = await self._read(request)
        if refused := self._check(account):
            return refused
        assert account is not None
        if request.path_params["object_id"] not in (account.id, "me"):
            return graph_error(200, "(#200) The page is not allowed to send for this object")
        recipient = body.get("recipient") or {}
        text = str((body.get("message") or {}).get("text", ""))
        if not text.strip():
            return graph_error(100, "(#100) The parameter message is required")
        if "comment_id" in recipient:
            return self._private_reply(account, recipient["comment_id"], text, body)
        psid = recipient.get("id")
        last = self.last_inbound.get((account.id, psid))
        if last is None:
            return graph_error(100, "(#100) No matching user found", 2018001)
        if datetime.now(UTC) - last > timedelta(hours=24):
            return graph_error(10, "(#10) This message is sent outside of allowed window.",
                               2018278)
        self.sent.append(Sent("message", psid, text, body))
        return JSONResponse({"recipient_id": psid, "message_id": "m_" + secrets.token_urlsafe(16)})

    def _private_reply(self, account: Account, comment_id: str, text: str,
                       body: dict[str, Any]) -> JSONResponse:
        made = self.comments.get(comment_id)
        if made is None or made.account.id != account.id:
            return graph_error(100, "Unsupported post request. Object does not exist", 33,
                               kind="GraphMethodException")
        if made.private_replied:
            return graph_error(10900, "Activity already replied to")
        if datetime.now(UTC) - made.created > timedelta(days=7):
            return graph_error(10, "(#10) This message is sent outside of allowed window.",
                               2018278)
        made.private_replied = True
        self.sent.append(Sent("private_reply", comment_id, text, body))
        return JSONResponse({"recipient_id": made.author.psid,
                             "message_id": "m_" + secrets.token_urlsafe(16)})
