"""A fake network that receives the desk's replies: a real HTTP server on a free port.

It checks each POST's signature against the channel's secret (X-Tandem-Timestamp and
X-Tandem-Signature, as channels/webhook.py signs), publishes each idempotency key once
(a repeat gets the first answer back), and can be told to fail: `fail(n, 503)` answers
the next n posts with 503, `fail(n, 400)` refuses them.
"""

from __future__ import annotations

import hmac
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from channels.webhook import sign
from tests.support.servers import free_port


@dataclass(frozen=True)
class Published:
    id: str
    key: str
    body: dict[str, Any]


class FakeReplyEndpoint:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secrets: dict[str, str] = {}  # path name -> the channel's secret
        self.attempts: list[dict[str, Any]] = []  # every well-signed post, failed ones too
        self.published: dict[str, Published] = {}  # by idempotency key
        self.bad_signatures = 0
        self._failures: deque[int] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/replies/{name}", self._receive, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    # -- what a test does -------------------------------------------------------------

    def start(self) -> FakeReplyEndpoint:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake reply endpoint did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def address(self, name: str, secret: str) -> str:
        """The reply_url of one channel, whose posts are checked against `secret`."""
        self.secrets[name] = secret
        return f"{self.url}/replies/{name}"

    def fail(self, times: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def posts_for(self, thread: str) -> list[Published]:
        with self._lock:
            return [p for p in self.published.values() if p.body["thread"] == thread]

    def attempts_for(self, key: str) -> int:
        with self._lock:
            return sum(1 for a in self.attempts if a["id"] == key)

    # -- the network ------------------------------------------------------------------

    async def _receive(self, request: Request) -> JSONResponse:
        secret = self.secrets.get(request.path_params["name"])
        body = await request.body()
        stamp = request.headers.get("x-tandem-timestamp", "")
        signature = request.headers.get("x-tandem-signature", "")
        if secret is None or not hmac.compare_digest(sign(secret, stamp, body), signature):
            with self._lock:
                self.bad_signatures += 1
            return JSONResponse({"error": "bad signature"}, status_code=401)
        data = json.loads(body)
        with self._lock:
            self.attempts.append(data)
            if self._failures:
                status = self._failures.popleft()
                # A rate limit says when to come back, as networks do.
                wait = {"Retry-After": "1"} if status == 429 else None
                return JSONResponse({"error": f"scripted {status}"}, status_code=status,
                                    headers=wait)
            known = self.published.get(data["id"])
            if known is None:
                known = Published(id=f"net-{next(self._ids)}", key=data["id"], body=data)
                self.published[data["id"]] = known
        return JSONResponse({"id": known.id})
