"""Rate limits: a webhook flood on one channel and a runaway API script get 429 with
Retry-After in the documented shapes; other channels and other callers go on working."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from server.db import Database
from server.models import Message
from tests.accounts.browser import in_database
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.desks import desk_apis

# Per hour, so a test never straddles two windows in practice; generous for the admin's setup.
LIMITS = {"TANDEM_API_RATE_LIMIT": "15/hour", "TANDEM_WEBHOOK_RATE_LIMIT": "6/hour"}


@pytest.fixture
def limited(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, Backend]]:
    with desk_apis(fresh_backend, tmp_path, extra=LIMITS) as (api,):
        yield api, fresh_backend


def until_refused(send: Callable[[], httpx.Response], tries: int) -> tuple[int, httpx.Response]:
    """Send until the first refusal; how many went through before it, and the refusal."""
    for n in range(tries):
        answer = send()
        if answer.status_code != 200:
            return n, answer
    raise AssertionError(f"no refusal in {tries} requests")


def test_one_token_past_its_limit_gets_429_and_others_do_not(
    limited: tuple[DeskApi, Backend],
) -> None:
    api, _ = limited
    script, colleague = api.person(), api.person()

    passed, refused = until_refused(lambda: api.call(script, "GET", "/api/me"), 40)

    assert 0 < passed <= 15
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert wait > 0
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["retry_after"] == wait
    assert error["message"] == f"Too many requests. Try again in {wait} s."
    assert api.call(colleague, "GET", "/api/me").status_code == 200


def test_a_flood_on_one_channel_gets_429_and_other_channels_are_still_heard(
    limited: tuple[DeskApi, Backend],
) -> None:
    api, backend = limited
    flooded, quiet = api.webhook_channel("flooded"), api.webhook_channel("quiet")

    passed, refused = until_refused(lambda: api.post_webhook(flooded, [item("flood")]), 20)

    assert 0 < passed <= 6
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json() == {"error": "rate limited, try again later"}
    assert api.post_webhook(quiet, [item("still heard")]).status_code == 200

    async def stored(db: Database) -> int:
        async with db.read() as session:
            return await session.scalar(
                select(func.count()).where(Message.channel_id == flooded.id)
            ) or 0

    # The refused item was not stored: the network sends it again after Retry-After.
    assert in_database(backend, stored) == passed


@pytest.mark.pg_redis
def test_the_limit_holds_across_two_processes(fresh_backend: Backend, tmp_path: Path) -> None:
    with desk_apis(fresh_backend, tmp_path, 2, extra=LIMITS) as apis:
        channel = apis[0].webhook_channel()
        answers = [apis[n % 2].post_webhook(channel, [item(f"both {n}")]).status_code
                   for n in range(12)]

    # Counted in Redis: six in all went through, not six per process.
    assert answers.count(200) <= 6
    assert 429 in answers[:7]
