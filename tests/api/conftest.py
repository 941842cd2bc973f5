"""A desk of their own for the API tests: schemathesis changes users, policies and modes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import prepare
from tests.replies.desk import submit, write_draft
from tests.support.backends import backend_name, make_backend
from tests.support.desk_api import DeskApi, Person, item
from tests.support.servers import DeskServer


@dataclass(frozen=True)
class ApiDesk:
    server: DeskServer
    api: DeskApi
    admin_token: str
    viewer: Person


def _seed(api: DeskApi, server: DeskServer) -> Person:
    """Threads, a template, a note and a pending approval, so that ids the fuzzers pick
    (1, 2, 3, ...) reach the commands' logic and not only their 404s."""
    channel = api.webhook_channel("API seed")
    api.ingest(channel, *(item(f"Seed thread {n}") for n in range(6)))
    agent = api.person()
    for n, language in enumerate(("en", "de")):
        made = api.http.post("/api/templates", headers=api.admin, json={
            "name": f"Seed {n}", "language": language, "body": "Hello {customer_name}"})
        assert made.status_code == 201, made.text
    card = api.thread_by_text(agent, "Seed thread 0")
    assert api.call(agent, "POST", f"/api/threads/{card['id']}/notes",
                    json={"text": "seeded note"}).status_code == 201
    assert api.call(agent, "POST", f"/api/threads/{card['id']}/claim").status_code == 200
    asyncio.run(write_draft(server.url, api, agent, card["id"], "A seeded reply"))
    assert submit(api, agent, card["id"]).json()["status"] == "pending"
    # Released now, not by the claim keeper after the agent's socket is gone: a release
    # in the middle of the authorization matrix would look like a refusal that changed
    # the desk.
    assert api.call(agent, "POST", f"/api/threads/{card['id']}/release").status_code == 200
    return api.person("viewer")


@pytest.fixture(scope="module")
def api_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiDesk]:
    folder: Path = tmp_path_factory.mktemp("api-desk")
    backend = make_backend(backend_name(), folder)
    try:
        token = prepare(backend)
        server = DeskServer(backend.env(), folder / "desk.log").start()
        api = DeskApi(server.url, token)
        try:
            yield ApiDesk(server, api, token, _seed(api, server))
        finally:
            api.close()
            server.stop()
    finally:
        for cleanup in backend.cleanup:
            cleanup()
