"""schemathesis against the published /openapi.json: no server errors, and every answer as
documented (status code, content type, body schema), as an admin and as a viewer.

Bounded in time: a fixed number of examples per operation, a fixed seed (so CI repeats the
same run), a timeout per request. The run prints its own report when it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import ApiDesk

CHECKS = ",".join(["not_a_server_error", "status_code_conformance",
                   "content_type_conformance", "response_schema_conformance"])
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def schemathesis(url: str, token: str, examples: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCHEMATHESIS), "run", f"{url}/openapi.json", "-H", f"Authorization: Bearer {token}",
         "--checks", CHECKS, "--max-examples", str(examples), "--seed", "20261203",
         "--request-timeout", "10", "--phases", "examples,coverage,fuzzing,stateful",
         "--no-color"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
    )


def check(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 0, run.stdout[-12000:]
    assert "Tested: " in run.stdout, run.stdout[-2000:]


def test_every_answer_to_an_admin_conforms_to_the_schema(api_desk: ApiDesk) -> None:
    check(schemathesis(api_desk.server.url, api_desk.admin_token, examples=10))


# A viewer is refused nearly everything: one pass (PostgreSQL's) is enough to show that the
# refusals are documented answers too.
@pytest.mark.pg_redis
def test_every_answer_to_a_viewer_conforms_to_the_schema(api_desk: ApiDesk) -> None:
    check(schemathesis(api_desk.server.url, api_desk.viewer.token, examples=10))
