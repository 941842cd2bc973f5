"""server/actions/login_throttle.py: wrong passwords counted per (address, e-mail) and per
address throttle sign-in; the right password forgets its own failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from server.actions.accounts import sign_in
from server.errors import Throttled, Unauthenticated
from server.models import LoginFailure, UserSession, utcnow
from server.settings import Settings
from tests.support.inprocess import InProcessDesk

PASSWORD = "a long enough password"
HERE, ELSEWHERE = "198.51.100.1", "198.51.100.2"


async def person_with_password(desk: InProcessDesk) -> str:
    made = await desk.ok(desk.admin, "POST", "/api/users", json={
        "email": "paula@desk.test", "name": "Paula Password", "role": "service agent",
        "password": PASSWORD})
    return made["email"]


def strict(desk: InProcessDesk, **limits: int) -> Settings:
    return desk.desk.settings.model_copy(update=limits)


async def fails(desk: InProcessDesk, settings: Settings, email: str, ip: str,
                times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Unauthenticated):
            await sign_in(desk.db, settings, email, "a wrong guess", ip)


async def failures(desk: InProcessDesk) -> int:
    async with desk.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(LoginFailure)) or 0)


async def test_too_many_wrong_passwords_lock_out_only_that_address(
    desk: InProcessDesk
) -> None:
    email = await person_with_password(desk)
    settings = strict(desk, login_max_failures=3)
    await fails(desk, settings, email, HERE, times=3)
    assert [a.detail for a in await desk.audits("user.sign_in_failed")] == [
        {"email": email, "ip": HERE}] * 3
    before = await desk.footprint(), await failures(desk)

    with pytest.raises(Throttled) as refused:
        await sign_in(desk.db, settings, f"  {email.upper()} ", PASSWORD, HERE)

    assert 1 <= refused.value.params["minutes"] <= 15
    # Refused before the password was looked at: no failure, no audit row.
    assert (await desk.footprint(), await failures(desk)) == before
    token, row = await sign_in(desk.db, settings, email, PASSWORD, ELSEWHERE)
    assert token and (await desk.row(UserSession, row.id)).user_id == row.user_id


async def test_one_address_guessing_at_many_people_is_throttled_for_all(
    desk: InProcessDesk
) -> None:
    email = await person_with_password(desk)
    settings = strict(desk, login_max_failures_per_address=4)
    for n in range(4):
        await fails(desk, settings, f"someone-{n}@example.com", HERE)

    with pytest.raises(Throttled):
        await sign_in(desk.db, settings, email, PASSWORD, HERE)
    await sign_in(desk.db, settings, email, PASSWORD, ELSEWHERE)


async def test_the_right_password_forgets_its_failures_and_old_ones_expire(
    desk: InProcessDesk
) -> None:
    email = await person_with_password(desk)
    settings = strict(desk, login_max_failures=3)
    await fails(desk, settings, email, HERE, times=2)
    await fails(desk, settings, "other@example.com", HERE)

    await sign_in(desk.db, settings, email, PASSWORD, HERE)

    # Only this e-mail's failures from this address are gone.
    async with desk.db.read() as session:
        left = (await session.scalars(select(col(LoginFailure.key)))).all()
    assert left == ["other@example.com"]
    [signed_in] = await desk.audits("user.sign_in")
    assert signed_in.detail == {"ip": HERE}
    await fails(desk, settings, email, HERE, times=3)
    with pytest.raises(Throttled):
        await sign_in(desk.db, settings, email, PASSWORD, HERE)

    # Failures older than the window no longer count.
    async with desk.db.write() as tx:
        await tx.session.execute(update(LoginFailure).values(
            at=utcnow() - timedelta(seconds=settings.login_window_seconds + 60)))
    await sign_in(desk.db, settings, email, PASSWORD, HERE)
