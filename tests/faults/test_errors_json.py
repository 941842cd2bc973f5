"""Every error an API or webhook caller can get is the documented JSON (docs/api.md,
docs/webhooks.md)."""

from __future__ import annotations

import pytest

from tests.support.desk_api import DeskApi


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/no-such-thing", 404, "not_found"),
    ("POST", "/api/threads/1/no-such-verb", 404, "not_found"),
    ("DELETE", "/api/threads", 405, "method_not_allowed"),
])
def test_unknown_paths_and_methods_answer_json(
    api: DeskApi, method: str, path: str, status: int, code: str,
) -> None:
    answer = api.http.request(method, path, headers=api.admin)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]



@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/webhooks/nowhere", 404), ("PUT", "/webhooks/generic/1", 405),
])
def test_webhook_paths_answer_their_documented_line_of_text(
    api: DeskApi, method: str, path: str, status: int,
) -> None:
    answer = api.http.request(method, path)
    assert answer.status_code == status
    assert isinstance(answer.json()["error"], str)
