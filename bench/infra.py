"""What a benchmark runs on: a fresh database, real desk processes, and their CPU and memory.

Everything stays on 127.0.0.1. Each section makes its own database and drops it afterwards,
so one section's rows never speed up or slow down another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.support.backends import pg_execute, redis_flush

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("TANDEM_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TANDEM_BENCH_REDIS_URL", "redis://127.0.0.1:6379")
ADMIN_EMAIL = "admin@bench.example.com"
ADMIN_PASSWORD = "bench admin password 123"

# Production-like: default claim grace, coalescing and heads; quiet logs.
DESK_SETTINGS = {
    "TANDEM_SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789abcdef",
    "TANDEM_LOG_LEVEL": "warning",
    "TANDEM_MODE": "development",
    # The bench floods one channel and one API token on purpose: no rate limits.
    "TANDEM_API_RATE_LIMIT": "",
    "TANDEM_WEBHOOK_RATE_LIMIT": "",
}


class BenchError(Exception):
    """Something the harness needs is missing or broke; the message says what."""


@dataclass
class Backend:
    name: str  # sqlite | postgres
    database_url: str
    redis_url: str | None = None
    _drop: list[Callable[[], None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "PostgreSQL + Redis" if self.name == "postgres" else "SQLite (embedded)"

    def env(self) -> dict[str, str]:
        env = {"TANDEM_DATABASE_URL": self.database_url}
        if self.redis_url:
            env["TANDEM_REDIS_URL"] = self.redis_url
        return env

    def drop(self) -> None:
        for step in self._drop:
            try:
                step()
            except Exception as exc:  # a leftover database is untidy, not fatal
                print(f"bench: could not clean up {self.name}: {exc}", file=sys.stderr)
        self._drop.clear()


def make_backend(name: str, folder: Path) -> Backend:
    """A fresh, empty database (and Redis database number) of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    if name == "sqlite":
        path = folder / f"desk-{secrets.token_hex(4)}.db"
        backend = Backend("sqlite", f"sqlite:///{path}")

        def remove() -> None:
            for leftover in folder.glob(path.name + "*"):  # the file, its -wal and -shm
                leftover.unlink(missing_ok=True)

        backend._drop.append(remove)
        return backend
    if name != "postgres":
        raise BenchError(f"unknown backend {name!r}: use sqlite or postgres")
    database = f"tandem_bench_{secrets.token_hex(4)}"
    try:
        asyncio.run(pg_execute(f'CREATE DATABASE "{database}"', PG_ADMIN_URL))
    except Exception as exc:
        raise BenchError(f"PostgreSQL at {PG_ADMIN_URL} is not usable: {exc}") from None
    redis_url = f"{REDIS_URL}/{secrets.randbelow(15) + 1}"
    try:
        asyncio.run(redis_flush(redis_url))
    except Exception as exc:
        asyncio.run(pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', PG_ADMIN_URL))
        raise BenchError(f"Redis at {REDIS_URL} is not usable: {exc}") from None
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    backend = Backend("postgres", f"{base}/{database}", redis_url)
    backend._drop.append(
        lambda: asyncio.run(
            pg_execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', PG_ADMIN_URL)
        )
    )
    return backend


def cli(args: list[str], env: dict[str, str]) -> str:
    """Run the real `tandem` command; returns its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT,
        env={**os.environ, **DESK_SETTINGS, **env}, capture_output=True, text=True, timeout=180,
    )
    if done.returncode != 0:
        raise BenchError(f"tandem {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def prepare(backend: Backend) -> str:
    """Migrate and create an admin (with a password, for the browser); returns an API token.

    The same functions `tandem migrate`, `tandem user create` and `tandem token create` call,
    run in this process: three interpreter start-ups saved per database.
    """
    from server.actions.accounts import do_create_user
    from server.actions.tokens import do_create_token_from_shell
    from server.cli import migrate, run_db
    from server.db import Database
    from server.settings import Settings

    settings = Settings(database_url=backend.database_url, redis_url=backend.redis_url,
                        secret_key=DESK_SETTINGS["TANDEM_SECRET_KEY"])
    migrate(settings)

    async def admin(db: Database) -> str:
        async with db.write() as tx:
            await do_create_user(tx, email=ADMIN_EMAIL, name="Bench Admin", role="admin",
                                 password=ADMIN_PASSWORD)
        async with db.write() as tx:
            return await do_create_token_from_shell(tx, ADMIN_EMAIL, "bench", ADMIN_PASSWORD)

    return str(run_db(settings, admin))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A server subprocess on a free port, ready once `health` answers 200."""

    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, health: str = "/healthz"
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [arg.replace("{port}", str(self.port)) for arg in command]
        self.env = {**os.environ, **env, "TANDEM_BASE_URL": self.url}
        self.log = log
        self.health = health
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def start(self, timeout: float = 60) -> Process:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise BenchError(f"{self.command[2]} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + self.health, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"{self.command[2]} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def desk_process(backend: Backend, log: Path, extra: dict[str, str] | None = None) -> Process:
    """One `tandem serve` process (one uvicorn worker) on its own port."""
    command = [sys.executable, "-m", "server.cli", "serve", "--no-migrate", "--port", "{port}"]
    return Process(command, {**DESK_SETTINGS, **backend.env(), **(extra or {})}, log)


@dataclass
class Desk:
    """A running desk: one or more `tandem serve` processes sharing one backend."""

    backend: Backend
    processes: list[Process]
    admin_token: str

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.processes]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


def start_desk(backend: Backend, workers: int, logs: Path, admin_token: str,
               extra: dict[str, str] | None = None) -> Desk:
    """Start `workers` desk processes on separate ports (the way a load balancer spreads them)."""
    processes: list[Process] = []
    try:
        for n in range(workers):
            log = logs / f"desk-{backend.name}-{n}.log"
            processes.append(desk_process(backend, log, extra).start())
    except BaseException:
        for process in processes:
            process.stop()
        raise
    return Desk(backend, processes, admin_token)


# -- CPU and memory -------------------------------------------------------------------


def _tree(pid: int, children: bool = True) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)] if children else [root]
    except psutil.NoSuchProcess:
        return []


def cpu_seconds(pids: Iterable[int], children: bool = True) -> float:
    total = 0.0
    for pid in pids:
        for proc in _tree(pid, children):
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def rss_bytes(pids: Iterable[int]) -> int:
    total = 0
    for pid in pids:
        for proc in _tree(pid):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
    return total


def runqueue_wait_seconds(pids: Iterable[int]) -> float:
    """Time the processes' main threads were ready to run but had no CPU (Linux schedstat)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    return total


class Usage:
    """CPU (percent of one core) and peak RSS of some processes over a stretch of time.

    With `children` (the default) a process's children count too: `uvicorn --workers`
    style trees. The harness's own process is measured without them (its children are
    the servers and the client processes).
    """

    def __init__(self, pids: Iterable[int], interval: float = 0.25, children: bool = True
                 ) -> None:
        self.pids = list(pids)
        self.children = children
        self.interval = interval
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._cpu0 = 0.0
        self._t0 = 0.0
        self.cpu_percent = 0.0
        self.cpu_seconds = 0.0
        self.seconds = 0.0
        self.wait_percent = 0.0  # main threads: runnable but waiting for a CPU, % of the time
        self._wait0 = 0.0

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_rss = max(self.peak_rss, rss_bytes(self.pids))

    def __enter__(self) -> Usage:
        self._cpu0 = cpu_seconds(self.pids, self.children)
        self._wait0 = runqueue_wait_seconds(self.pids)
        self._t0 = time.monotonic()
        self.peak_rss = rss_bytes(self.pids)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.monotonic() - self._t0
        self.cpu_seconds = cpu_seconds(self.pids, self.children) - self._cpu0
        self.cpu_percent = 100 * self.cpu_seconds / self.seconds if self.seconds else 0.0
        waited = runqueue_wait_seconds(self.pids) - self._wait0
        if self.seconds and self.pids:
            self.wait_percent = 100 * waited / self.seconds / len(self.pids)
        self.peak_rss = max(self.peak_rss, rss_bytes(self.pids))


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "platform": sys.platform,
    }
