"""API tokens: a person issues their own; an admin issues them only for service accounts.

A token acts with all of its user's rights. If an admin could mint one for a colleague, the
admin could approve their own reply as that colleague, and four eyes would be two. So a
token for someone else exists only for an account marked as a service account when it was
made, and a service account can never approve (server/actions/replies.py checks that).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from server.actions.accounts import WRONG_LOGIN, check_email, password_matches
from server.db import Tx
from server.errors import N_, DeskError, Invalid, NotFound, Unauthenticated
from server.models import ApiToken, User
from server.permissions import Actor
from server.secrets import new_token, token_hash


class NotAServiceAccount(DeskError):
    status = 403
    code = "not_a_service_account"

    def __init__(self, name: str) -> None:
        super().__init__(
            N_("%(name)s is a person, not a service account: only they can make their own "
               "API tokens (POST /api/me/tokens)."), name=name)


async def _user(tx: Tx, user_id: int) -> User:
    user = await tx.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no user %(id)s.", id=user_id)
    if not user.active:
        raise Invalid("%(email)s is deactivated.", email=user.email)
    return user


def _issue(tx: Tx, user: User, name: str, by_id: int | None, via: str) -> str:
    token = new_token("tdm_")
    tx.session.add(ApiToken(token_hash=token_hash(token), user_id=user.id, name=name))  # type: ignore[arg-type]
    tx.audit("token.create", by_id, user_id=user.id, name=name, via=via,
             service_account=user.service_account, own=by_id == user.id)
    return token


async def do_create_own_token(tx: Tx, actor: Actor, name: str = "") -> str:
    """A token for the caller themselves."""
    return _issue(tx, await _user(tx, actor.id), name, actor.id, "api")


async def do_create_token_for(tx: Tx, actor: Actor, user_id: int, name: str = "") -> str:
    """A token for `user_id`, issued by an admin (the registry checked admin.users): the
    admin's own, or a service account's. Refused for anyone else, and nothing is written."""
    user = await _user(tx, user_id)
    if user.id != actor.id and not user.service_account:
        raise NotAServiceAccount(user.name)
    return _issue(tx, user, name, actor.id, "api")


async def do_create_token_from_shell(tx: Tx, email: str, name: str = "",
                                     password: str | None = None) -> str:
    """`tandem token create`: a service account's token, or a person's own, proven by their
    password (whoever runs the command on the server is not thereby that person)."""
    user = await tx.session.scalar(select(User).where(col(User.email) == check_email(email)))
    if user is None:
        raise NotFound("There is no user with the e-mail %(email)s.", email=email)
    user = await _user(tx, user.id)  # type: ignore[arg-type]
    if not user.service_account:
        if password is None:
            raise NotAServiceAccount(user.name)
        if not await password_matches(user.password_hash, password):
            raise Unauthenticated(WRONG_LOGIN)
    return _issue(tx, user, name, None, "cli")
