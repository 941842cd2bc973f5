"""Desks of a test's own: one or more processes on a fresh backend, with their API clients."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer


@contextmanager
def desk_apis(backend: Backend, folder: Path, count: int = 1,
              extra: dict[str, str] | None = None) -> Iterator[list[DeskApi]]:
    """`count` processes serving one migrated database (with an admin), each with a client."""
    token = prepare(backend)
    servers = [DeskServer(backend.env(), folder / f"desk{n}.log", extra=extra).start()
               for n in range(count)]
    apis = [DeskApi(s.url, token) for s in servers]
    try:
        yield apis
    finally:
        for api, server in zip(apis, servers, strict=True):
            api.close()
            server.stop()
