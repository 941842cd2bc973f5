"""How many wrong passwords a client may type before sign-in is refused for a while.

Failures are counted per (client address, e-mail) and per client address, never per e-mail
alone: someone guessing a supervisor's password from elsewhere locks out only themselves.
The rows live in the database, so every process counts the same failures.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import col

from server.db import Tx
from server.errors import N_, Throttled
from server.models import LoginFailure, utcnow
from server.settings import Settings

TOO_MANY = N_("Too many failed sign-ins. Try again in %(minutes)d min.")


async def check_not_throttled(session: object, settings: Settings, ip: str, email: str) -> None:
    """Refuse before the password is even looked at, so a throttled spray costs nothing."""
    window = timedelta(seconds=settings.login_window_seconds)
    now = utcnow()
    recent = select(col(LoginFailure.at)).where(
        col(LoginFailure.ip) == ip, col(LoginFailure.at) > now - window
    )
    pair = recent.where(col(LoginFailure.key) == email)
    for query, limit in ((pair, settings.login_max_failures),
                         (recent, settings.login_max_failures_per_address)):
        # The limit-th newest failure: once it leaves the window, one more try is allowed.
        oldest_counted = await session.scalar(  # type: ignore[attr-defined]
            query.order_by(col(LoginFailure.at).desc()).offset(limit - 1).limit(1)
        )
        if oldest_counted is not None:
            free_at = _aware(oldest_counted) + window
            minutes = max(1, math.ceil((free_at - now).total_seconds() / 60))
            raise Throttled(TOO_MANY, minutes=minutes)


def note_failure(tx: Tx, ip: str, email: str) -> None:
    tx.session.add(LoginFailure(key=email, ip=ip))


async def forget_failures(tx: Tx, ip: str, email: str) -> None:
    """The right password from this address clears its failures for this e-mail."""
    await tx.session.execute(delete(LoginFailure).where(
        col(LoginFailure.key) == email, col(LoginFailure.ip) == ip
    ))


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
