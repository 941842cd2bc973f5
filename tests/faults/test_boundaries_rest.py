"""Out-of-range input on the REST API: refused with a clear error, and nothing changes.

Decision: a number past the column's range (2^31 and up) is a bad value wherever it is,
in a path, a query or a body: 400 `invalid` naming the field, as the command registry's
input models answer (an in-range id that names nothing stays 404). Strings past their
column's length are 400 naming the field. No case may answer 500 or store anything.
(The webhooks answer 404 "unknown channel" for such a channel id: to a network's sender a
URL naming no channel is one answer, whatever the number.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.faults.rows import counts
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item

BIG = 2**31


@pytest.fixture(scope="module")
def thread_id(api: DeskApi) -> int:
    channel = api.webhook_channel("REST boundaries")
    api.ingest(channel, item("the thread the boundary cases aim at"))
    admin = api.http.get("/api/threads", headers=api.admin,
                         params={"q": "the boundary cases aim at", "status": "all"})
    return admin.json()["threads"][0]["id"]


@pytest.fixture(scope="module")
def template_id(api: DeskApi) -> int:
    made = api.http.post("/api/templates", headers=api.admin, json={
        "name": "Boundary template", "language": "en", "body": "Hello"})
    assert made.status_code in (200, 201), made.text
    return made.json()["template"]["id"]


@pytest.fixture
def unchanged(api: DeskApi, backend: Backend) -> Iterator[None]:
    tables = counts(backend.database_url)
    policy = api.http.get("/api/approval-policy", headers=api.admin).json()
    users = api.http.get("/api/users", headers=api.admin).json()
    yield
    assert counts(backend.database_url) == tables
    assert api.http.get("/api/approval-policy", headers=api.admin).json() == policy
    assert api.http.get("/api/users", headers=api.admin).json() == users


def refused(answer: Any, status: int, field: str | None = None) -> None:
    assert answer.status_code == status, (answer.status_code, answer.text)
    error = answer.json()["error"]
    assert error["code"] in ("invalid", "not_found", "bad_request")
    if field:
        assert field in error["message"], error


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("GET", f"/api/threads/{BIG}", None, "thread_id"),
    ("POST", f"/api/threads/{BIG}/claim", {}, "thread_id"),
    ("POST", f"/api/threads/{BIG}/assign", {"user_id": 1}, "thread_id"),
    ("PATCH", f"/api/threads/{BIG}", {"status": "open"}, "thread_id"),
    ("PATCH", f"/api/users/{BIG}", {"active": False}, "user_id"),
    ("POST", f"/api/messages/{BIG}/retry", {}, "message_id"),
    ("POST", f"/api/approvals/{BIG}/approve", {}, "approval_id"),
    ("POST", f"/api/templates/{BIG}/render", {}, "template_id"),
    ("GET", f"/api/threads/{2**63}", None, "thread_id"),
])
def test_ids_past_the_column_in_a_path_are_400(
    api: DeskApi, unchanged: None, method: str, path: str, body: dict | None, field: str,
) -> None:
    refused(api.http.request(method, path, headers=api.admin, json=body), 400, field)


@pytest.mark.parametrize(("params", "field"), [({"before": BIG}, "before"),
                                               ({"team": BIG}, "team"),
                                               ({"before": 2**70}, "before")])
def test_numbers_past_the_column_in_a_query_are_400(
    api: DeskApi, unchanged: None, params: dict, field: str,
) -> None:
    refused(api.http.get("/api/threads", headers=api.admin, params=params), 400, field)


def test_assigning_to_a_user_id_past_the_column_is_400(
    api: DeskApi, thread_id: int, unchanged: None,
) -> None:
    answer = api.http.post(f"/api/threads/{thread_id}/assign", headers=api.admin,
                           json={"user_id": BIG})
    refused(answer, 400, "user_id")


def test_rendering_for_a_thread_id_past_the_column_is_400(
    api: DeskApi, template_id: int, unchanged: None,
) -> None:
    answer = api.http.post(f"/api/templates/{template_id}/render", headers=api.admin,
                           json={"thread_id": BIG})
    refused(answer, 400, "thread_id")


def test_an_approval_policy_with_a_team_id_past_the_column_is_400(
    api: DeskApi, unchanged: None,
) -> None:
    answer = api.http.put("/api/approval-policy", headers=api.admin, json={"policy": {
        "default": {"public": True, "private": False},
        "rules": [{"team_id": BIG, "require": True}]}})
    refused(answer, 400, "team_id")


@pytest.mark.parametrize(("field", "value"), [
    ("name", "N" * 150), ("email", "e" * 290 + "@example.com"),
])
def test_a_user_with_an_overlong_name_or_email_is_400(
    api: DeskApi, unchanged: None, field: str, value: str,
) -> None:
    person = {"email": "fits@example.com", "name": "Fits", "role": "service agent",
              "password": "a long enough password 1"}
    answer = api.http.post("/api/users", headers=api.admin, json={**person, field: value})
    refused(answer, 400, field)


def test_a_thread_patch_with_an_overlong_reason_is_400(
    api: DeskApi, thread_id: int, unchanged: None,
) -> None:
    answer = api.http.patch(f"/api/threads/{thread_id}", headers=api.admin,
                            json={"status": "resolved", "reason": "r" * 65})
    refused(answer, 400, "reason")

