"""Throwaway PostgreSQL clusters and Redis servers a fault test starts, stops and kills.

Never the machine's own: each lives in a temporary folder on a free port of 127.0.0.1
and is removed at the end. initdb refuses to run as root, so as root the cluster runs as
the `postgres` OS user (the folder is handed to it).
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.backends import run_apart
from tests.support.servers import free_port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tandem-fault-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/tandem"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str, timeout: float = 60) -> None:
        subprocess.run([*self._as, *command], check=True, capture_output=True, timeout=timeout,
                       cwd=self.folder)

    def create(self) -> ThrowawayPostgres:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        self.start()
        run_apart(self._create_database())
        return self

    async def _create_database(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/postgres", timeout=10)
        try:
            await connection.execute('CREATE DATABASE "tandem"')
        finally:
            await connection.close()

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "postgres.log"), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """A clean, fast shutdown: open connections are cut, as in a real restart."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*self._as, _pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=30, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayRedis:
    """A redis-server of the test's own; kill() is SIGKILL, start() brings it back empty."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="tandem-fault-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ThrowawayRedis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run_apart(self._until_answering())
        return self

    async def _until_answering(self) -> None:
        import redis.asyncio as redis

        client = redis.from_url(self.url)
        try:
            for _ in range(100):
                try:
                    await client.ping()
                    return
                except Exception:
                    await asyncio.sleep(0.05)
            raise RuntimeError("the test's redis-server did not start")
        finally:
            await client.aclose()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def hang(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, as with a stuck server."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def wake(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def remove(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def until(check: object, timeout: float, what: str, pause: float = 0.1) -> object:
    """Poll `check()` until it returns something true, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()  # type: ignore[operator]
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(pause)
