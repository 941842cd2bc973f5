"""server/actions/tokens.py: a person makes their own API tokens; an admin makes them only
for service accounts; the shell makes a person's only with their password."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.actions.tokens import NotAServiceAccount, do_create_token_from_shell
from server.errors import Invalid, NotFound, Unauthenticated
from server.models import ApiToken, AuditEntry
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import service_account

PASSWORD = "a long enough password"


async def me(desk: InProcessDesk, token: str) -> dict[str, object]:
    response = await desk.http.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


async def made_now(desk: InProcessDesk) -> list[AuditEntry]:
    """The token.create audits of this test (the template's people have one each)."""
    return (await desk.audits("token.create"))[len(desk.people):]


async def tokens(desk: InProcessDesk) -> int:
    async with desk.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiToken)) or 0)


async def test_a_person_makes_their_own_token_and_it_acts_as_them(desk: InProcessDesk) -> None:
    made = await desk.ok(desk.viewer, "POST", "/api/me/tokens", json={"name": "my script"})

    assert made["token"].startswith("tdm_")
    assert (await me(desk, made["token"]))["id"] == desk.viewer.id
    [audit] = await made_now(desk)
    assert audit.actor_id == desk.viewer.id
    assert audit.detail == {"user_id": desk.viewer.id, "name": "my script", "via": "api",
                            "service_account": False, "own": True}


async def test_an_admin_makes_tokens_for_a_service_account_or_themselves_only(
    desk: InProcessDesk
) -> None:
    script = await service_account(desk)
    made = await desk.ok(desk.admin, "POST", f"/api/users/{script['id']}/tokens",
                         json={"name": "nightly export"})
    assert (await me(desk, made["token"]))["id"] == script["id"]
    own = await desk.ok(desk.admin, "POST", f"/api/users/{desk.admin.id}/tokens")
    assert (await me(desk, own["token"]))["id"] == desk.admin.id
    assert [(a.detail["user_id"], a.detail["service_account"], a.detail["own"])
            for a in await made_now(desk)] == [
        (script["id"], True, False), (desk.admin.id, False, True)]
    count = await tokens(desk)

    # A person's token from an admin would let the admin act, and approve, as them.
    error = await desk.refuses(desk.admin, "POST", f"/api/users/{desk.supervisor.id}/tokens",
                               403, "not_a_service_account")
    assert desk.supervisor.name in error["message"]
    await desk.refuses(desk.supervisor, "POST", f"/api/users/{script['id']}/tokens", 403,
                       "forbidden")
    await desk.refuses(desk.admin, "POST", "/api/users/99999/tokens", 404, "not_found")
    await desk.ok(desk.admin, "PATCH", f"/api/users/{script['id']}", json={"active": False})
    await desk.refuses(desk.admin, "POST", f"/api/users/{script['id']}/tokens", 400,
                       "invalid")
    assert await tokens(desk) == count


async def test_the_shell_makes_a_persons_token_only_with_their_password(
    desk: InProcessDesk
) -> None:
    person = await desk.ok(desk.admin, "POST", "/api/users", json={
        "email": "paula@desk.test", "name": "Paula Password", "role": "service agent",
        "password": PASSWORD})
    script = await service_account(desk)
    before = await desk.footprint(), await tokens(desk)

    for password, refusal in ((None, NotAServiceAccount), ("a wrong guess", Unauthenticated)):
        with pytest.raises(refusal):
            async with desk.db.write() as tx:
                await do_create_token_from_shell(tx, "Paula@Desk.test", "cli", password)
    with pytest.raises(NotFound):
        async with desk.db.write() as tx:
            await do_create_token_from_shell(tx, "nobody@desk.test", "cli")
    assert (await desk.footprint(), await tokens(desk)) == before

    async with desk.db.write() as tx:
        hers = await do_create_token_from_shell(tx, " PAULA@desk.test ", "laptop", PASSWORD)
        scripts = await do_create_token_from_shell(tx, script["email"], "cron")
    assert (await me(desk, hers))["id"] == person["id"]
    assert (await me(desk, scripts))["id"] == script["id"]
    assert [(a.actor_id, a.detail["via"], a.detail["own"]) for a in await made_now(desk)] == [
        (None, "cli", False), (None, "cli", False)]
    await desk.ok(desk.admin, "PATCH", f"/api/users/{person['id']}", json={"active": False})
    with pytest.raises(Invalid):
        async with desk.db.write() as tx:
            await do_create_token_from_shell(tx, person["email"], "late", PASSWORD)
