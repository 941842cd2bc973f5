"""Every error an API or webhook caller can get is the documented JSON."""

from __future__ import annotations

import pytest

from tests.support.desk_api import DeskApi


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/no-such-thing", 404, "not_found"),
    ("POST", "/api/threads/1/no-such-verb", 404, "not_found"),
    ("GET", "/webhooks/nowhere", 404, "not_found"),
    ("DELETE", "/api/threads", 405, "method_not_allowed"),
    ("PUT", "/webhooks/generic/1", 405, "method_not_allowed"),
])
def test_unknown_paths_and_methods_answer_json(
    api: DeskApi, method: str, path: str, status: int, code: str,
) -> None:
    answer = api.http.request(method, path, headers=api.admin)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]

