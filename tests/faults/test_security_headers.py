"""Security headers on the pages and the API (the browser tests prove no page breaks under
the policy: tests/support/csp.py fails any test whose pages it refused something)."""

from __future__ import annotations

import httpx
import pytest
from starlette.responses import PlainTextResponse

from server.security_headers import SecurityHeadersMiddleware
from server.settings import Settings
from tests.accounts.browser import signed_in
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


@pytest.mark.parametrize("path", ["/", "/templates", "/profile", "/api/me", "/login",
                                  "/static/js/board.js"])
def test_every_answer_carries_the_security_headers(
    server: DeskServer, api: DeskApi, path: str
) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password) as browser:
        answer = browser.get(path, follow_redirects=False)

    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in answer.headers  # plain http here


def test_only_the_api_reference_may_style_inline_and_run_a_blob_worker(
    server: DeskServer,
) -> None:
    answer = httpx.get(server.url + "/api/docs")

    policy = directives(answer.headers["content-security-policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert policy["worker-src"] == "'self' blob:"


async def test_https_gets_hsts_and_a_cdn_is_allowed_for_scripts_only() -> None:
    settings = Settings(base_url="https://desk.example.com",
                        assets="https://cdn.jsdelivr.net/npm")
    app = SecurityHeadersMiddleware(PlainTextResponse("ok"), settings)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://desk.example.com") as client:
        headers = (await client.get("/")).headers

    policy = directives(headers["content-security-policy"])
    assert policy["script-src"] == "'self' https://cdn.jsdelivr.net"
    assert policy["style-src"] == "'self'"
    assert headers["strict-transport-security"] == "max-age=31536000"
