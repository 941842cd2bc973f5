"""server/actions/admin.py: roles of people, deactivation, invitations, custom roles; an
admin can never lock themselves out."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from server.actions.admin import (
    UserRow,
    do_accept_invitation,
    do_create_role,
    do_invite,
    do_renew_invitation,
    do_save_role,
    do_set_active,
    do_set_user_role,
    users_overview,
)
from server.errors import Conflict, Invalid, NotFound
from server.models import Role
from tests.support.inprocess import InProcessDesk


async def test_an_admin_changes_roles_but_cannot_take_their_own_administration(
    desk: InProcessDesk
) -> None:
    changed = await desk.ok(desk.admin, "PATCH", f"/api/users/{desk.agent.id}",
                            json={"role": "supervisor"})
    assert changed["id"] == desk.agent.id
    assert (await desk.ok(desk.agent, "GET", "/api/me"))["role"] == "supervisor"

    error = await desk.refuses(desk.admin, "PATCH", f"/api/users/{desk.admin.id}", 409,
                               "conflict", json={"role": "viewer"})
    assert "another admin" in error["message"]
    await desk.refuses(desk.admin, "PATCH", f"/api/users/{desk.admin.id}", 409, "conflict",
                       json={"active": False})
    await desk.refuses(desk.admin, "PATCH", "/api/users/99999", 404, "not_found",
                       json={"role": "viewer"})
    await desk.refuses(desk.supervisor, "PATCH", f"/api/users/{desk.agent.id}", 403,
                       "forbidden", json={"role": "admin"})


async def test_an_invitation_is_used_once(desk: InProcessDesk) -> None:
    admin = await desk.actor(desk.admin)
    async with desk.db.write() as tx:
        invited = await do_invite(tx, admin, email="ina@desk.test", name=" Ina  Neu ",
                                  role="viewer")
    assert invited.user.name == "Ina Neu"
    [row] = [u for u in await _users(desk) if u.email == "ina@desk.test"]
    assert row.invited

    async with desk.db.write() as tx:
        session_token, user = await do_accept_invitation(
            tx, desk.desk.settings, invited.token, name="Ina", password="a long password")
    assert session_token and user.password_hash
    async with desk.db.write() as tx:
        with pytest.raises(Invalid):
            await do_accept_invitation(tx, desk.desk.settings, invited.token, name="Ina",
                                       password="a long password")
        with pytest.raises(Conflict):
            await do_renew_invitation(tx, admin, user.id)  # type: ignore[arg-type]


async def _users(desk: InProcessDesk) -> list[UserRow]:
    async with desk.db.read() as session:
        return await users_overview(session)


async def test_a_custom_role_gets_permissions_and_no_admin_loses_their_own(
    desk: InProcessDesk
) -> None:
    admin = await desk.actor(desk.admin)
    async with desk.db.write() as tx:
        role = await do_create_role(tx, admin, "  Night   shift ")
        assert role.name == "Night shift" and role.id is not None
        saved = await do_save_role(tx, admin, role.id, ["thread.view", "thread.claim"])
        assert saved.permissions == ["thread.claim", "thread.view"]
        with pytest.raises(Conflict):
            await do_create_role(tx, admin, "Night shift")
        with pytest.raises(Invalid):
            await do_save_role(tx, admin, role.id, ["thread.fly"])
        own = await tx.session.scalar(select(Role).where(col(Role.name) == "admin"))
        assert own is not None and own.id is not None
        with pytest.raises(Conflict):
            await do_save_role(tx, admin, own.id, ["thread.view"])
        with pytest.raises(NotFound):
            await do_set_user_role(tx, admin, desk.agent.id, "emperor")


async def test_deactivating_ends_every_session_and_reactivating_lets_them_back(
    desk: InProcessDesk
) -> None:
    admin = await desk.actor(desk.admin)
    async with desk.db.write() as tx:
        await do_set_active(tx, admin, desk.colleague.id, False)
    assert (await desk.rest(desk.colleague, "GET", "/api/me")).status_code == 401
    async with desk.db.write() as tx:
        await do_set_active(tx, admin, desk.colleague.id, True)
    assert (await desk.rest(desk.colleague, "GET", "/api/me")).status_code == 200
    assert [a.action for a in await desk.audits("user.deactivate")] == ["user.deactivate"]
