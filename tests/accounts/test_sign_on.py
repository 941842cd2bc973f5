"""Single sign-on against a real OpenID provider process (oidc-provider-mock)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, prepare
from tests.support.backends import Backend
from tests.support.oidc_provider import Provider
from tests.support.servers import DeskServer

CLIENT_ID = "tandem-desk"
USERS = [
    {"sub": "anna", "email": "anna@example.com", "email_verified": True, "name": "Anna Lead",
     "groups": ["staff", "desk-leads"], "department": "Social Care"},
    {"sub": "ben", "email": "ben@example.com", "name": "Ben", "groups": ["staff"]},
]


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    started = Provider(USERS, tmp_path / "provider.log").start()
    yield started
    started.stop()


def desk_with(backend: Backend, provider: Provider, folder: Path, **settings: str) -> DeskServer:
    return DeskServer(backend.env(), folder / "desk.log", extra={
        "TANDEM_OIDC_ISSUER": provider.issuer, "TANDEM_OIDC_CLIENT_ID": CLIENT_ID,
        "TANDEM_OIDC_CLIENT_SECRET": "client-secret", "TANDEM_OIDC_ROLE_CLAIM": "groups",
        "TANDEM_OIDC_ROLE_MAP": "desk-admins=admin,desk-leads=supervisor",
        "TANDEM_OIDC_TEAM_CLAIM": "department", **settings,
    }).start()


@pytest.fixture
def desk(fresh_backend: Backend, provider: Provider, tmp_path: Path) -> Iterator[DeskServer]:
    prepare(fresh_backend)
    server = desk_with(fresh_backend, provider, tmp_path, TANDEM_LOCAL_ACCOUNTS="false")
    yield server
    server.stop()


@pytest.fixture
def browsers() -> Iterator[Callable[[], httpx.Client]]:
    """Cookie jars, one per person signing in, closed after the test."""
    made: list[httpx.Client] = []

    def browser() -> httpx.Client:
        made.append(httpx.Client(timeout=30))
        return made[-1]

    yield browser
    for client in made:
        client.close()


def sign_on(browser: httpx.Client, desk: DeskServer, sub: str) -> httpx.Response:
    """A browser's round trip: the desk, the provider's consent form, back to the desk."""
    started = browser.get(desk.url + "/login/sso/start")
    assert started.status_code == 302, started.text
    asked = parse_qs(urlsplit(started.headers["location"]).query)
    assert asked["code_challenge_method"] == ["S256"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", asked["code_challenge"][0])
    assert asked["nonce"] and asked["state"] and asked["client_id"] == [CLIENT_ID]
    consented = browser.post(started.headers["location"], data={"sub": sub})
    assert consented.status_code == 302, consented.text
    return browser.get(consented.headers["location"])


def test_a_newcomer_gets_an_account_with_the_role_and_team_of_their_claims(
    desk: DeskServer, browsers: Callable[[], httpx.Client],
) -> None:
    browser = browsers()
    back = sign_on(browser, desk, "anna")
    assert back.status_code == 303, back.text
    me = browser.get(desk.url + "/api/me").json()
    assert (me["email"], me["name"], me["role"]) == ("anna@example.com", "Anna Lead",
                                                     "supervisor")
    assert me["team_id"] is not None
    # A second sign-in finds the same account.
    again = browsers()
    sign_on(again, desk, "anna")
    assert again.get(desk.url + "/api/me").json()["id"] == me["id"]

    # No mapped role: the default one.
    other = browsers()
    sign_on(other, desk, "ben")
    assert other.get(desk.url + "/api/me").json()["role"] == "service agent"


def test_local_accounts_switched_off_refuse_passwords(desk: DeskServer) -> None:
    with httpx.Client(base_url=desk.url) as browser:
        page = browser.get("/login")
        assert 'type="password"' not in page.text
        assert "/login/sso/start" in page.text
        refused = browser.post("/login", data={
            "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "next": "/",
            "csrf_token": browser.cookies.get("tandem_csrf", "")})
        assert refused.status_code == 403
        assert "tandem_session" not in browser.cookies


def test_signing_out_ends_the_session_at_the_provider_too(
    desk: DeskServer, provider: Provider, browsers: Callable[[], httpx.Client],
) -> None:
    browser = browsers()
    sign_on(browser, desk, "anna")
    page = browser.get(desk.url + "/profile").text
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    assert csrf
    out = browser.post(desk.url + "/logout", data={"csrf_token": csrf.group(1)})
    assert out.status_code == 303
    target = urlsplit(out.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == provider.issuer
    asked = parse_qs(target.query)
    assert asked["post_logout_redirect_uri"] == [desk.url + "/login"]
    assert asked["id_token_hint"][0].count(".") == 2
    assert browser.get(desk.url + "/api/me").status_code == 401


def test_a_back_channel_logout_ends_the_session_once(
    desk: DeskServer, provider: Provider, browsers: Callable[[], httpx.Client],
) -> None:
    browser = browsers()
    sign_on(browser, desk, "anna")
    assert browser.get(desk.url + "/api/me").status_code == 200
    hook = desk.url + "/login/sso/backchannel-logout"

    wrong_audience = provider.logout_token(sub="anna", aud="another-app")
    assert httpx.post(hook, data={"logout_token": wrong_audience}).status_code == 400
    tampered = provider.logout_token(sub="anna", aud=CLIENT_ID)[:-4] + "AAAA"
    assert httpx.post(hook, data={"logout_token": tampered}).status_code == 400
    assert httpx.post(hook, data={}).status_code == 400
    assert browser.get(desk.url + "/api/me").status_code == 200

    token = provider.logout_token(sub="anna", aud=CLIENT_ID)
    taken = httpx.post(hook, data={"logout_token": token})
    assert taken.status_code == 200, taken.text
    assert taken.headers["cache-control"] == "no-store"
    assert browser.get(desk.url + "/api/me").status_code == 401

    replayed = httpx.post(hook, data={"logout_token": token})
    assert replayed.status_code == 400
    assert "used before" in replayed.json()["error_description"]


def test_without_just_in_time_accounts_a_newcomer_is_refused(
    fresh_backend: Backend, provider: Provider, tmp_path: Path,
    browsers: Callable[[], httpx.Client],
) -> None:
    prepare(fresh_backend)
    server = desk_with(fresh_backend, provider, tmp_path, TANDEM_OIDC_JIT="false")
    try:
        browser = browsers()
        back = sign_on(browser, server, "ben")
        assert back.status_code == 403
        assert "no account for you" in back.text
        assert browser.get(server.url + "/api/me").status_code == 401
        # Local accounts are on here: the password form is offered beside single sign-on.
        assert 'type="password"' in httpx.get(server.url + "/login").text
    finally:
        server.stop()
