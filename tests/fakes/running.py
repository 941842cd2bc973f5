"""Run a fake network's ASGI app with uvicorn in a thread, on a free local port."""

from __future__ import annotations

import threading
import time
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

from tests.support.servers import free_port


class RunningApp:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            ws="none", access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> RunningApp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake network did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


class FakeNetwork:
    """What every fake network shares: its ASGI app, served on a free port from `start` to
    `stop`. Subclasses pass in their routes and give their API's root (`address`, with a
    version for Graph) under the name the adapter's tests use."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.running: RunningApp | None = None

    def start(self) -> Self:
        self.running = RunningApp(self.app).start()
        return self

    def stop(self) -> None:
        if self.running:
            self.running.stop()

    @property
    def address(self) -> str:
        """Where the running fake answers (http://127.0.0.1:<port>)."""
        assert self.running, "start the fake first"
        return self.running.url
