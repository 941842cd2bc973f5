"""A real desk: `tandem serve` in a subprocess on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]

# Short timings so claim expiry and head announcements are quick to observe.
TEST_SETTINGS = {
    "TANDEM_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
    "TANDEM_CLAIM_GRACE_SECONDS": "2",
    "TANDEM_HEAD_INTERVAL_SECONDS": "1",
    "TANDEM_LOGIN_MAX_FAILURES": "5",
    # The shared test desk serves every test from one token and one address: the rate limits
    # are tested on desks of their own (tests/faults/test_rate_limits.py).
    "TANDEM_API_RATE_LIMIT": "",
    "TANDEM_WEBHOOK_RATE_LIMIT": "",
    "TANDEM_LOG_LEVEL": "warning",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen | None) -> None:
    """Ask a server process to end; kill it if it has not within ten seconds."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tandem(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    """Run the real CLI."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=120, check=check,
    )


START_SECONDS = 120


class DeskServer:
    def __init__(self, env: dict[str, str], log_path: Path, extra: dict[str, str] | None = None,
                 workers: int = 1):
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **TEST_SETTINGS, **env, **(extra or {}),
                    "TANDEM_BASE_URL": self.url}
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> DeskServer:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--no-migrate",
                 "--port", str(self.port), "--workers", str(self.workers)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        # Generous: a start takes a second or two, but a busy machine can stretch it
        # fiftyfold. One that never answers is stopped: left running, it would slow the rest.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"desk server exited:\n{self.log_path.read_text()[-4000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"desk server did not start:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        stop_process(self.process)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
