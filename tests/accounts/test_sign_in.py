"""Signing in and out of the pages: cookies, wrong passwords, throttling, CSRF, expiry."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update

from server.db import Database
from server.models import AuditEntry, User, UserSession, utcnow
from server.secrets import token_hash
from tests.accounts.browser import Browser, in_database, signed_in
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer

WRONG = "Wrong e-mail or password."


def _session_cookie(answer: httpx.Response) -> str | None:
    found = [c for c in answer.headers.get_list("set-cookie") if c.startswith("tandem_session=")]
    return found[0] if found else None


def test_the_right_password_opens_the_board_with_a_safe_cookie(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    with Browser(server.url) as browser:
        answer = browser.sign_in(agent.email, agent.password)

        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = _session_cookie(answer)
        assert cookie is not None
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags
        assert "samesite=lax" in flags
        assert "secure" not in flags  # the test desk runs on plain http
        board = browser.get("/")
        assert board.status_code == 200
        assert agent.name in board.text


def test_wrong_password_and_unknown_user_get_the_same_answer_and_no_session(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    with Browser(server.url) as browser:
        wrong = browser.sign_in(agent.email, "not the password")
        unknown = browser.sign_in("nobody-here@example.com", agent.password)

        for answer in (wrong, unknown):
            assert answer.status_code == 401
            assert WRONG in answer.text
            assert _session_cookie(answer) is None
            assert agent.password not in answer.text
        assert browser.session is None
        assert browser.get("/").status_code == 303


def test_after_five_failures_even_the_right_password_is_throttled(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    with Browser(server.url) as browser:
        for _ in range(5):
            assert browser.sign_in(agent.email, "guess " * 3).status_code == 401

        throttled = browser.sign_in(agent.email, agent.password)

        assert throttled.status_code == 429
        assert "Too many failed sign-ins. Try again in " in throttled.text
        assert _session_cookie(throttled) is None
    # Other people are not affected by someone guessing at this address.
    other = api.person()
    with signed_in(server.url, other.email, other.password) as browser:
        assert browser.get("/").status_code == 200


def test_signing_out_ends_the_session_for_good(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password) as browser:
        old = browser.session
        assert old

        answer = browser.post("/logout")

        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"
    with httpx.Client(base_url=server.url, cookies={"tandem_session": old}) as replay:
        assert replay.get("/").status_code == 303
        assert replay.get("/api/me").status_code == 401


def test_a_form_post_without_or_with_a_wrong_csrf_token_changes_nothing(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    admin = api.person("admin")
    email = "csrf-victim@example.com"
    with signed_in(server.url, admin.email, admin.password) as browser:
        form = {"email": email, "name": "Victim", "role": "viewer"}

        missing = browser.post("/admin/users/invite", form, csrf=None)
        wrong = browser.post("/admin/users/invite", form, csrf="forged-token")

        for answer in (missing, wrong):
            assert answer.status_code == 403
            assert "The form expired. Reload the page and try again." in answer.text
    users = api.http.get("/api/users", headers=api.admin).json()["users"]
    assert email not in [u["email"] for u in users]


def test_a_sign_in_form_posted_from_elsewhere_is_refused(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    # A cross-site form has neither our cookie nor our token.
    with httpx.Client(base_url=server.url) as stranger:
        answer = stranger.post("/login", data={"email": agent.email, "password": agent.password,
                                               "csrf_token": "guess"})
        assert answer.status_code == 403
        assert _session_cookie(answer) is None


def test_an_expired_session_leads_back_to_sign_in(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password) as browser:
        assert browser.get("/").status_code == 200
        hashed = token_hash(browser.session or "")

        async def expire(db: Database) -> None:
            async with db.write() as tx:
                await tx.session.execute(
                    update(UserSession).where(UserSession.token_hash == hashed)
                    .values(expires_at=utcnow() - timedelta(minutes=1))
                )

        in_database(backend, expire)

        board = browser.get("/")
        assert board.status_code == 303
        assert board.headers["location"].startswith("/login")
        me = browser.get("/api/me")
        assert me.status_code == 401
        assert me.json()["error"]["code"] == "unauthenticated"


def test_failed_sign_ins_leave_no_password_in_the_audit_trail(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    agent = api.person()
    secret = "this-is-a-guess-" + agent.email
    with Browser(server.url) as browser:
        browser.sign_in(agent.email, secret)

    async def trail(db: Database) -> list[str]:
        async with db.read() as session:
            return [str(e.detail) for e in (await session.scalars(select(AuditEntry))).all()]

    assert not any(secret in detail for detail in in_database(backend, trail))
    assert secret not in server.log_path.read_text()

    async def user_row(db: Database) -> User | None:
        async with db.read() as session:
            return await session.scalar(select(User).where(User.email == agent.email))

    row = in_database(backend, user_row)
    assert row is not None and row.active


def test_a_planted_csrf_cookie_and_matching_header_do_not_pass_with_the_victims_session(
    server: DeskServer, api: DeskApi
) -> None:
    # An attacker who can set cookies for the desk (a sibling subdomain, plain http) plants
    # tandem_csrf=theirs and sends the same value as the header, riding the victim's session.
    admin = api.person("admin")
    email = "planted-csrf-victim@example.com"
    with signed_in(server.url, admin.email, admin.password) as victim:
        session = victim.session
    planted = {"tandem_session": session or "", "tandem_csrf": "attackers"}
    with httpx.Client(base_url=server.url, cookies=planted) as forged:
        form = forged.post("/admin/users/invite", data={
            "email": email, "name": "Victim", "role": "viewer", "csrf_token": "attackers"})
        api_call = forged.post("/api/users", headers={"X-CSRF-Token": "attackers"}, json={
            "email": email, "name": "Victim", "role": "viewer"})

        assert form.status_code == 403
        assert api_call.status_code == 403
        assert api_call.json()["error"]["code"] == "csrf"
    users = api.http.get("/api/users", headers=api.admin).json()["users"]
    assert email not in [u["email"] for u in users]


def test_signing_in_rotates_the_csrf_token(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    with Browser(server.url) as browser:
        before = browser.csrf

        assert browser.sign_in(agent.email, agent.password).status_code == 303

        after = browser.csrf
        assert after != before
        # The token from before sign-in no longer passes; the rotated one does.
        assert browser.post("/profile/language", {"language": "de"}, csrf=before).status_code == 403
        assert browser.post("/profile/language", {"language": "de"}).status_code == 303
        page = browser.get("/profile")
        assert after in page.text and before not in page.text
