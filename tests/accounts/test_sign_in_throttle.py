"""Sign-in throttling per client address, and password hashing that leaves the loop free."""

from __future__ import annotations

import itertools
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from server.actions import accounts
from server.db import Database
from server.settings import Settings
from tests.accounts.browser import Browser, in_database
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer

# Addresses from the documentation range, one per test: the desk trusts X-Forwarded-For from
# 127.0.0.1 (uvicorn's proxy headers), so each test signs in "from" a place of its own.
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


def minutes_to_wait(answer: httpx.Response) -> int:
    """The wait the refusal names: the 15-minute window less the time the guesses took."""
    found = re.search(r"Too many failed sign-ins\. Try again in (\d+) min\.", answer.text)
    assert found, answer.text
    return int(found.group(1))


def from_elsewhere(url: str) -> Browser:
    browser = Browser(url)
    browser.http.headers["X-Forwarded-For"] = next(_addresses)
    return browser


def test_wrong_passwords_from_elsewhere_do_not_lock_the_person_out(
    server: DeskServer, api: DeskApi
) -> None:
    supervisor = api.person("supervisor")
    with from_elsewhere(server.url) as attacker:
        for _ in range(5):
            assert attacker.sign_in(supervisor.email, "a wrong guess").status_code == 401

        refused = attacker.sign_in(supervisor.email, supervisor.password)

        assert refused.status_code == 429
        assert 1 <= minutes_to_wait(refused) <= 15
    with from_elsewhere(server.url) as supervisor_browser:
        answer = supervisor_browser.sign_in(supervisor.email, supervisor.password)
        assert answer.status_code == 303
        assert supervisor_browser.get("/").status_code == 200


def test_one_address_guessing_at_many_people_is_throttled_for_all_of_them(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    limit = Settings().login_max_failures_per_address
    with from_elsewhere(server.url) as sprayer:
        for n in range(limit):
            assert sprayer.sign_in(f"someone-{n}@example.com", "a guess").status_code == 401

        refused = sprayer.sign_in(agent.email, agent.password)

        assert refused.status_code == 429
        assert 1 <= minutes_to_wait(refused) <= 15
        assert sprayer.session is None


def test_the_password_is_hashed_off_the_event_loop(
    backend: Backend, api: DeskApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = api.person()
    threads: list[int] = []

    class Watched(PasswordHasher):
        def hash(self, *args: Any, **kwargs: Any) -> str:
            threads.append(threading.get_ident())
            return super().hash(*args, **kwargs)

        def verify(self, *args: Any, **kwargs: Any) -> bool:
            threads.append(threading.get_ident())
            return super().verify(*args, **kwargs)

    monkeypatch.setattr(accounts, "_hasher", Watched())
    settings = Settings(login_max_failures=100)

    async def sign_in_twice(db: Database) -> int:
        await accounts.sign_in(db, settings, agent.email, agent.password, "192.0.2.10")
        await accounts.hash_password("a new password 123")
        return threading.get_ident()

    loop_thread = in_database(backend, sign_in_twice)

    assert len(threads) == 2
    assert loop_thread not in threads


def test_the_desk_answers_while_a_spray_of_wrong_sign_ins_runs(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()

    def wrong(n: int) -> int:
        with from_elsewhere(server.url) as sprayer:
            return sprayer.sign_in(f"spray-{n}@example.com", "a guess").status_code

    with ThreadPoolExecutor(8) as pool:
        spray = [pool.submit(wrong, n) for n in range(40)]
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {agent.token}"},
                          timeout=30) as client:
            answers = [client.get("/api/me").status_code for _ in range(20)]
        results = [f.result() for f in spray]

    assert answers == [200] * 20
    assert results == [401] * 40

