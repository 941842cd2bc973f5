"""server/actions/accounts.py: users, sign-in with throttling, sessions, API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from server.actions.accounts import (
    actor_for_api_token,
    do_create_user,
    do_set_password,
    session_for_token,
    sign_in,
)
from server.actions.tokens import do_create_token_from_shell
from server.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from server.models import LoginFailure, User
from tests.support.inprocess import InProcessDesk

PASSWORD = "correct horse battery"


async def new_user(desk: InProcessDesk, email: str = " Nora@Desk.Test ", **extra: object
                   ) -> User:
    async with desk.db.write() as tx:
        return await do_create_user(tx, email=email, name=" Nora ", role="service agent",
                                    password=PASSWORD, **extra)  # type: ignore[arg-type]


async def test_a_user_is_stored_with_a_clean_address_and_a_hashed_password(
    desk: InProcessDesk
) -> None:
    user = await new_user(desk, language="de")

    assert (user.email, user.name, user.language) == ("nora@desk.test", "Nora", "de")
    assert user.password_hash and PASSWORD not in user.password_hash
    with pytest.raises(Conflict):
        await new_user(desk, "NORA@desk.test")
    for email, password, error in (("not-an-address", PASSWORD, Invalid),
                                   ("short@desk.test", "short", Invalid)):
        async with desk.db.write() as tx:
            with pytest.raises(error):
                await do_create_user(tx, email=email, name="X", role="viewer", password=password)
    async with desk.db.write() as tx:
        with pytest.raises(NotFound):
            await do_create_user(tx, email="r@desk.test", name="R", role="king", password=None)


async def test_signing_in_starts_a_session_and_a_new_password_ends_them_all(
    desk: InProcessDesk
) -> None:
    await new_user(desk)
    settings = desk.desk.settings
    token, _ = await sign_in(desk.db, settings, "NORA@desk.test", PASSWORD, "10.0.0.1")

    found = await session_for_token(desk.db, token)
    assert found is not None and found[0].email == "nora@desk.test"
    async with desk.db.write() as tx:
        await do_set_password(tx, "nora@desk.test", "another long password")
    assert await session_for_token(desk.db, token) is None


async def test_wrong_passwords_are_counted_and_then_refused_at_once(desk: InProcessDesk) -> None:
    await new_user(desk)
    settings = desk.desk.settings
    for _ in range(settings.login_max_failures):
        with pytest.raises(Unauthenticated):
            await sign_in(desk.db, settings, "nora@desk.test", "wrong password", "10.0.0.1")
    with pytest.raises(Unauthenticated):
        await sign_in(desk.db, settings, "nobody@desk.test", "wrong password", "10.0.0.1")

    with pytest.raises(Throttled):
        await sign_in(desk.db, settings, "nora@desk.test", PASSWORD, "10.0.0.1")
    async with desk.db.read() as session:
        counted = await session.scalar(select(func.count()).where(
            col(LoginFailure.key) == "nora@desk.test"))
    assert counted == settings.login_max_failures


async def test_an_api_token_names_its_user_and_a_deactivated_one_gets_none(
    desk: InProcessDesk
) -> None:
    actor = await actor_for_api_token(desk.db, desk.agent.token)
    assert actor is not None and actor.id == desk.agent.id and actor.can("thread.claim")
    assert await actor_for_api_token(desk.db, "tdm_not-a-token") is None

    await desk.ok(desk.admin, "PATCH", f"/api/users/{desk.colleague.id}", json={"active": False})

    assert await actor_for_api_token(desk.db, desk.colleague.token) is None
    async with desk.db.write() as tx:
        with pytest.raises(Invalid):
            await do_create_token_from_shell(tx, desk.colleague.email)
    assert (await desk.rest(desk.colleague, "GET", "/api/me")).status_code == 401
