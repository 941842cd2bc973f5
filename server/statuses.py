"""A thread's statuses, and the names the desk took before it knew them all.

new: nobody on the desk has touched it yet; open: someone works on it; waiting: the desk
answered and waits on the customer (the service-level clock pauses); pending_approval: a
reply waits for a supervisor; resolved: solved, reopened by the customer's next message
within the reopen window; closed: resolved long enough (or closed by hand), so the
customer's next message starts a new thread linked to this one.
"""

from __future__ import annotations

from typing import Literal

from server.errors import Invalid

Status = Literal["new", "open", "waiting", "pending_approval", "resolved", "closed"]
STATUSES: tuple[Status, ...] = ("new", "open", "waiting", "pending_approval", "resolved",
                                "closed")
# "pending" was the desk's word for waiting on the customer; it is still understood.
FORMER_NAMES: dict[str, Status] = {"pending": "waiting"}
Named = Literal["new", "open", "waiting", "pending_approval", "resolved", "closed", "pending"]
NamedOrAll = Literal["new", "open", "waiting", "pending_approval", "resolved", "closed",
                     "pending", "all"]
# What the board's default view leaves out: the work that is done.
DONE: tuple[Status, ...] = ("resolved", "closed")
# What a customer's new message makes of a thread in these statuses: work again.
REOPENED_BY_CUSTOMER: frozenset[str] = frozenset({"waiting", "resolved"})
# What a person's first touch (a claim, a reply) makes of a new thread.
TOUCHED = "open"


def status_named(value: str) -> Status:
    """The status `value` names (a current name or a former one), or a clear refusal."""
    status = FORMER_NAMES.get(value, value)
    if status not in STATUSES:
        raise Invalid("Unknown status %(value)s.", value=value)
    return status  # type: ignore[return-value]
