"""A receiver of the desk's outgoing webhooks: a real HTTP server on a free port.

It checks each POST's signature against the subscription's secret (as a receiver following
docs/operations.md would), keeps every request, and can be told to fail: `fail(n, 503)`
answers the next n requests with 503.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from channels.webhook import sign
from tests.support.servers import free_port


class HookReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.secret = ""
        self.received: list[dict[str, Any]] = []  # {key, event, body, signed}
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/hooks", self._receive, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", ws="none", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> HookReceiver:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def fail(self, times: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.received)

    async def _receive(self, request: Request) -> JSONResponse:
        body = await request.body()
        stamp = request.headers.get("x-tandem-timestamp", "")
        signed = hmac.compare_digest(sign(self.secret, stamp, body),
                                     request.headers.get("x-tandem-signature", ""))
        with self._lock:
            self.received.append({
                "key": request.headers.get("idempotency-key"),
                "event": request.headers.get("x-tandem-event"),
                "body": json.loads(body), "signed": signed,
            })
            if not signed:
                return JSONResponse({"error": "bad signature"}, status_code=401)
            if self._failures:
                status = self._failures.popleft()
                return JSONResponse({"error": f"scripted {status}"}, status_code=status)
        return JSONResponse({"ok": True})
