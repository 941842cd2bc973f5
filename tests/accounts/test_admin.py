"""The admin pages: inviting people, their roles, deactivating them, editing roles."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from server.db import Database
from server.models import AuditEntry, Invitation, Role, User, utcnow
from tests.accounts.browser import Browser, in_database, signed_in
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, Person
from tests.support.servers import DeskServer

LINK = re.compile(r"/invite/([A-Za-z0-9_-]{20,})")


def admin_browser(server: DeskServer, api: DeskApi) -> tuple[Person, Browser]:
    admin = api.person("admin")
    return admin, signed_in(server.url, admin.email, admin.password)


def invite(browser: Browser, email: str, name: str = "Nina Neu", role: str = "viewer") -> str:
    answer = browser.post("/admin/users/invite", {"email": email, "name": name, "role": role},
                          htmx=True)
    assert answer.status_code == 201, answer.text
    assert "not shown again" in answer.text
    found = LINK.search(answer.text)
    assert found, answer.text
    return found.group(1)


def me(api: DeskApi, person: Person) -> tuple[int, dict]:
    answer = api.call(person, "GET", "/api/me")
    return answer.status_code, answer.json()


def user_by_email(backend: Backend, email: str) -> User | None:
    async def find(db: Database) -> User | None:
        async with db.read() as session:
            return await session.scalar(select(User).where(User.email == email))

    return in_database(backend, find)


def test_an_invited_person_sets_a_password_and_signs_in(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    _, admin = admin_browser(server, api)
    email = "nina.neu@example.com"
    with admin:
        page = admin.get("/admin/users")
        assert page.status_code == 200
        assert "No mail server is configured" in page.text
        token = invite(admin, email)
        listed = admin.get("/admin/users").text
        assert email in listed
        assert token not in listed  # the link is shown once

    with Browser(server.url) as newcomer:
        form = newcomer.get(f"/invite/{token}")
        assert form.status_code == 200
        assert email in form.text
        too_short = newcomer.post(f"/invite/{token}", {
            "name": "Nina", "password": "short", "password_again": "short"})
        assert too_short.status_code == 400
        assert "The password needs at least 10 characters." in too_short.text

        accepted = newcomer.post(f"/invite/{token}", {
            "name": "Nina N.", "password": "a long new password", "password_again":
            "a long new password"})

        assert accepted.status_code == 303
        assert accepted.headers["location"] == "/"
        assert newcomer.get("/").status_code == 200
        assert newcomer.get("/api/me").json()["name"] == "Nina N."
        assert newcomer.post("/logout").status_code == 303

    with signed_in(server.url, email, "a long new password") as again:
        assert again.get("/api/me").json()["role"] == "viewer"
        used = again.get(f"/invite/{token}")
        assert used.status_code == 400
        assert "This invitation link was used already." in used.text


def test_unknown_and_expired_invitation_links_say_so(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    _, admin = admin_browser(server, api)
    with admin:
        token = invite(admin, "late.comer@example.com")
    user = user_by_email(backend, "late.comer@example.com")
    assert user is not None

    async def expire(db: Database) -> None:
        async with db.write() as tx:
            await tx.session.execute(
                update(Invitation).where(Invitation.user_id == user.id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )

    in_database(backend, expire)
    with Browser(server.url) as newcomer:
        unknown = newcomer.get("/invite/" + "x" * 43)
        assert unknown.status_code == 404
        assert "This invitation link is not valid." in unknown.text
        expired = newcomer.post(f"/invite/{token}", {
            "name": "Late", "password": "a long new password",
            "password_again": "a long new password"})
        assert expired.status_code == 400
        assert "This invitation link has expired." in expired.text
        assert newcomer.session is None
    row = user_by_email(backend, "late.comer@example.com")
    assert row is not None and row.password_hash is None


def test_a_new_invitation_link_replaces_the_old_one(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    _, admin = admin_browser(server, api)
    with admin:
        old = invite(admin, "twice@example.com")
        user = user_by_email(backend, "twice@example.com")
        assert user is not None
        renewed = admin.post(f"/admin/users/{user.id}/invitation", htmx=True)
        assert renewed.status_code == 201
        found = LINK.search(renewed.text)
        assert found and found.group(1) != old
    with Browser(server.url) as newcomer:
        assert newcomer.get(f"/invite/{old}").status_code == 404
        assert newcomer.get(f"/invite/{found.group(1)}").status_code == 200


def test_a_duplicate_invitation_is_refused_with_the_form_kept(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    _, admin = admin_browser(server, api)
    with admin:
        answer = admin.post("/admin/users/invite", {
            "email": agent.email, "name": "Someone", "role": "viewer"}, htmx=True)
        assert answer.status_code == 409
        assert f"A user with the e-mail {agent.email} exists already." in answer.text
        assert 'value="Someone"' in answer.text


def test_a_role_change_takes_effect_at_once(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    assert "reply.approve" not in me(api, agent)[1]["permissions"]
    _, admin = admin_browser(server, api)
    with admin:
        row = admin.post(f"/admin/users/{agent.id}/role", {"role": "supervisor"}, htmx=True)

        assert row.status_code == 200
        assert row.text.lstrip().startswith(f'<tr id="user-{agent.id}"')
    status, data = me(api, agent)
    assert status == 200
    assert data["role"] == "supervisor"
    assert "reply.approve" in data["permissions"]


def test_a_deactivated_person_is_signed_out_and_their_token_stops_working(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    with signed_in(server.url, agent.email, agent.password) as theirs:
        _, admin = admin_browser(server, api)
        with admin:
            row = admin.post(f"/admin/users/{agent.id}/active", {"active": "0"}, htmx=True)
            assert row.status_code == 200
            assert "Reactivate" in row.text

        assert theirs.get("/").status_code == 303
        assert me(api, agent)[0] == 401
        refused = theirs.sign_in(agent.email, agent.password)
        assert refused.status_code == 401
        assert "Wrong e-mail or password." in refused.text


def test_reactivation_lets_the_person_back_in(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    _, admin = admin_browser(server, api)
    with admin:
        assert admin.post(f"/admin/users/{agent.id}/active", {"active": "0"}).status_code == 303
        assert me(api, agent)[0] == 401
        assert admin.post(f"/admin/users/{agent.id}/active", {"active": "1"}).status_code == 303
    assert me(api, agent)[0] == 200
    with signed_in(server.url, agent.email, agent.password) as theirs:
        assert theirs.get("/").status_code == 200


def test_someone_without_admin_users_gets_403_and_changes_nothing(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    supervisor = api.person("supervisor")
    victim = api.person()
    with signed_in(server.url, supervisor.email, supervisor.password) as browser:
        for path in ("/admin/users", "/admin/roles"):
            page = browser.get(path)
            assert page.status_code == 403
            assert "You lack the permission admin.users." in page.text
            assert victim.email not in page.text

        posts = [
            ("/admin/users/invite", {"email": "sneaky@example.com", "name": "S", "role": "admin"}),
            (f"/admin/users/{supervisor.id}/role", {"role": "admin"}),
            (f"/admin/users/{victim.id}/active", {"active": "0"}),
            ("/admin/roles", {"name": "sneaky role"}),
        ]
        for path, form in posts:
            for htmx in (False, True):
                answer = browser.post(path, form, htmx=htmx)
                assert answer.status_code == 403, (path, htmx)
                assert "You lack the permission admin.users." in answer.text
                assert victim.email not in answer.text

    assert user_by_email(backend, "sneaky@example.com") is None
    assert me(api, supervisor)[1]["role"] == "supervisor"
    assert me(api, victim)[0] == 200
    assert api.http.patch(f"/api/users/{victim.id}", headers=supervisor.headers,
                          json={"active": False}).status_code == 403


def _role(backend: Backend, name: str) -> Role | None:
    async def find(db: Database) -> Role | None:
        async with db.read() as session:
            return await session.scalar(select(Role).where(Role.name == name))

    return in_database(backend, find)


def test_an_admin_creates_a_role_and_chooses_its_permissions(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    _, admin = admin_browser(server, api)
    with admin:
        created = admin.post("/admin/roles", {"name": "  night   shift "}, htmx=True)
        assert created.status_code == 201
        role = _role(backend, "night shift")
        assert role is not None and role.permissions == []
        page = admin.get("/admin/roles")
        assert "See the board and threads" in page.text  # descriptions are shown

        saved = admin.post(f"/admin/roles/{role.id}",
                           {"permission": ["thread.view", "report.view"]}, htmx=True)
        assert saved.status_code == 200
        assert "Saved." in saved.text

        unknown = admin.post(f"/admin/roles/{role.id}",
                             {"permission": ["thread.view", "root.everything"]}, htmx=True)
        assert unknown.status_code == 400
        assert "Unknown permissions: root.everything." in unknown.text
        duplicate = admin.post("/admin/roles", {"name": "night shift"}, htmx=True)
        assert duplicate.status_code == 409

    after = _role(backend, "night shift")
    assert after is not None and after.permissions == ["report.view", "thread.view"]
    night = api.person("night shift")
    assert me(api, night)[1]["permissions"] == ["report.view", "thread.view"]


def test_an_admin_cannot_lock_themselves_out(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    admin_person, admin = admin_browser(server, api)
    admin_role = _role(backend, "admin")
    assert admin_role is not None
    with admin:
        deactivate = admin.post(f"/admin/users/{admin_person.id}/active", {"active": "0"},
                                htmx=True)
        assert deactivate.status_code == 409
        assert "You cannot deactivate yourself" in deactivate.text
        demote = admin.post(f"/admin/users/{admin_person.id}/role", {"role": "viewer"},
                            htmx=True)
        assert demote.status_code == 409
        assert "You cannot take away your own user administration" in demote.text
        strip = admin.post(f"/admin/roles/{admin_role.id}", {"permission": ["thread.view"]},
                           htmx=True)
        assert strip.status_code == 409
        # Without htmx the same refusal is the desk's error page.
        page = admin.post(f"/admin/users/{admin_person.id}/active", {"active": "0"})
        assert page.status_code == 409
        assert admin.get("/admin/users").status_code == 200

    status, data = me(api, admin_person)
    assert status == 200 and data["role"] == "admin" and "admin.users" in data["permissions"]
    after = _role(backend, "admin")
    assert after is not None and "admin.users" in after.permissions


def test_every_admin_change_is_audited(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    admin_person, admin = admin_browser(server, api)
    agent = api.person()
    with admin:
        invite(admin, "audited@example.com")
        admin.post(f"/admin/users/{agent.id}/role", {"role": "viewer"}, htmx=True)
        admin.post(f"/admin/users/{agent.id}/active", {"active": "0"}, htmx=True)
        admin.post("/admin/roles", {"name": "audited role"}, htmx=True)

    async def actions(db: Database) -> list[str]:
        async with db.read() as session:
            rows = await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == admin_person.id)
            )
            return list(rows.all())

    done = in_database(backend, actions)
    for action in ("user.create", "user.invite", "user.role", "user.deactivate", "role.create"):
        assert action in done
