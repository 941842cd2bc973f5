"""Reading the board: thread cards and filters, shared by pages, REST and events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Exists,
    ScalarSelect,
    Select,
    UnaryExpression,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from channels.registry import capabilities
from server.actions.windows import windows
from server.events import ReadingView, ThreadCard, UserRef
from server.events.board import Author
from server.models import Approval, Channel, Contact, Message, Thread, User
from server.models.replies import OPEN_APPROVAL
from server.models.time import iso
from server.permissions import Actor
from server.reading import Reading
from server.statuses import DONE, status_named

PRIORITIES = ("low", "normal", "high", "urgent")
VISIBILITIES = ("public", "private")

_holder = aliased(User, name="holder")
_assignee = aliased(User, name="assignee")
# The thread's newest inbound message, whose reading the card shows.
_latest_in = aliased(Message, name="latest_in")


@dataclass(frozen=True)
class BoardFilter:
    network: str | None = None
    status: str | None = None  # None: everything not resolved or closed
    mine: bool = False
    unclaimed: bool = False
    team_id: int | None = None
    visibility: str | None = None
    q: str | None = None
    sentiment: str | None = None  # of the newest inbound message: negative|neutral|positive
    incident_id: int | None = None
    limit: int = 500
    before_id: int | None = None


# The thread's own columns a card shows, read by `_card_query` and copied by `card_of`.
_THREAD_FIELDS = (
    "id", "visibility", "status", "priority", "tags", "reason", "customer_id", "excerpt",
    "team_id", "claim_token", "private_thread_id", "public_thread_id", "created_at",
    "last_message_at", "waiting_since", "sla_due_at", "message_count", "incident_id",
    "routed_by",
)


def customer_last_at() -> ScalarSelect[Any]:
    """The customer's newest message in the thread (correlated): the networks' windows run
    from it."""
    return (
        select(func.max(col(Message.created_at)))
        .where(col(Message.thread_id) == col(Thread.id), col(Message.direction) == "in",
               col(Message.contact_id) == col(Thread.contact_id))
        .correlate(Thread).scalar_subquery()
    )


def latest_inbound_id() -> ScalarSelect[Any]:
    """The id of the thread's (correlated) newest inbound message."""
    return (
        select(func.max(col(Message.id)))
        .where(col(Message.thread_id) == col(Thread.id), col(Message.direction) == "in")
        .correlate(Thread).scalar_subquery()
    )


def reading_view(reading: Reading | None) -> ReadingView | None:
    if reading is None:
        return None
    return ReadingView(language=reading.language, score=reading.score, label=reading.label)


def stored_reading(language: Any, score: Any, label: Any) -> Reading | None:
    """The reading in a message's columns; None for a message stored without one."""
    return None if label is None else Reading(language=language, score=score, label=label)


def awaiting_approval() -> Exists:
    """Whether a reply to the thread (correlated) waits: for a supervisor, or approved but
    held until an author has read what came in since (nothing went out yet)."""
    return exists().where(col(Approval.thread_id) == col(Thread.id),
                          col(Approval.status).in_(OPEN_APPROVAL))


def _card_query() -> Select[*tuple[Any, ...]]:
    """One row of plain columns per card: no ORM objects (and no password hashes) to build."""
    return (
        select(
            *(col(getattr(Thread, name)) for name in _THREAD_FIELDS),
            col(Channel.id).label("channel_id"), col(Channel.name).label("channel_name"),
            col(Channel.network), col(Channel.adapter),
            col(Contact.id).label("contact_id"), col(Contact.name).label("contact_name"),
            col(Contact.handle).label("contact_handle"),
            col(_holder.id).label("holder_id"), col(_holder.name).label("holder_name"),
            col(_assignee.id).label("assignee_id"), col(_assignee.name).label("assignee_name"),
            customer_last_at().label("customer_last_at"),
            awaiting_approval().label("awaiting_approval"),
            col(_latest_in.language).label("reading_language"),
            col(_latest_in.sentiment_score).label("reading_score"),
            col(_latest_in.sentiment_label).label("reading_label"),
        )
        .join(Channel, col(Channel.id) == col(Thread.channel_id))
        .join(Contact, col(Contact.id) == col(Thread.contact_id))
        .outerjoin(_holder, col(_holder.id) == col(Thread.claim_holder_id))
        .outerjoin(_assignee, col(_assignee.id) == col(Thread.assignee_id))
        .outerjoin(_latest_in, col(_latest_in.id) == latest_inbound_id())
    )


def _card_of_row(row: Mapping[Any, Any]) -> ThreadCard:
    """The card of one `_card_query` row (the same card `card_of` builds from models)."""
    open_for = windows(capabilities(row["adapter"], row["network"]), row["visibility"],
                       row["private_thread_id"], row["customer_last_at"])
    holder, assignee = row["holder_id"], row["assignee_id"]
    return ThreadCard(
        id=row["id"],
        network=row["network"],
        channel_id=row["channel_id"],
        channel_name=row["channel_name"],
        visibility=row["visibility"],
        status=row["status"],
        priority=row["priority"],
        tags=list(row["tags"]),
        reason=row["reason"],
        author=Author(contact_id=row["contact_id"], name=row["contact_name"],
                      handle=row["contact_handle"]),
        customer_id=row["customer_id"],
        excerpt=row["excerpt"],
        team_id=row["team_id"],
        assignee=UserRef(id=assignee, name=row["assignee_name"]) if assignee else None,
        holder=UserRef(id=holder, name=row["holder_name"]) if holder else None,
        claim_token=row["claim_token"],
        private_thread_id=row["private_thread_id"],
        public_thread_id=row["public_thread_id"],
        created_at=iso(row["created_at"]),
        last_message_at=iso(row["last_message_at"]),
        waiting_since=iso(row["waiting_since"]),
        sla_due_at=iso(row["sla_due_at"]),
        message_count=row["message_count"],
        routed_by=row["routed_by"],
        awaiting_approval=bool(row["awaiting_approval"]),
        reading=reading_view(stored_reading(row["reading_language"], row["reading_score"],
                                            row["reading_label"])),
        incident_id=row["incident_id"],
        **open_for.as_card_fields(),
    )


class Named(Protocol):
    """A person on a card: a User, or anything with its id and name."""

    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


class Handled(Named, Protocol):
    """A thread's author on a card: a Contact, or anything with its id, name and handle."""

    @property
    def handle(self) -> str | None: ...


def card_of(
    thread: Mapping[str, Any], channel: Channel, contact: Handled, holder: Named | None,
    assignee: Named | None, customer_last_at: datetime | None = None,
    awaiting_approval: bool = False, reading: Reading | None = None,
) -> ThreadCard:
    """The card of a thread's columns and models already in hand: the same row
    `_card_query` would read. Ingest builds a card per message it stores; the columns come
    as a plain mapping because reading them off a Thread model costs an instrumented
    attribute lookup each, most of a card's price."""
    return _card_of_row({
        **{name: thread[name] for name in _THREAD_FIELDS},
        "channel_id": channel.id, "channel_name": channel.name,
        "network": channel.network, "adapter": channel.adapter,
        "contact_id": contact.id, "contact_name": contact.name, "contact_handle": contact.handle,
        "holder_id": holder.id if holder else None, "holder_name": holder.name if holder else None,
        "assignee_id": assignee.id if assignee else None,
        "assignee_name": assignee.name if assignee else None,
        "customer_last_at": customer_last_at,
        "awaiting_approval": awaiting_approval,
        "reading_language": reading.language if reading else None,
        "reading_score": reading.score if reading else None,
        "reading_label": reading.label if reading else None,
    })


# Built once: the statement is the same for every card; only the WHERE differs. Statements
# executed as they are, with bound values, also keep their SQL cache key: SQLAlchemy
# computes it once per statement object, and this query is a large tree to walk.
CARD_QUERY = _card_query()
_CARDS_BY_ID = CARD_QUERY.where(col(Thread.id).in_(bindparam("ids", expanding=True)))


async def cards_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, ThreadCard]:
    rows = (await session.execute(_CARDS_BY_ID, {"ids": list(ids)})).mappings()
    cards = [_card_of_row(row) for row in rows]
    return {c.id: c for c in cards}


async def card(session: AsyncSession, thread_id: int) -> ThreadCard:
    return (await cards_by_id(session, [thread_id]))[thread_id]


async def board_cards(
    session: AsyncSession, actor: Actor, flt: BoardFilter, *, by_activity: bool = False,
    by_due: bool = False,
) -> list[ThreadCard]:
    """The cards passing `flt`, newest thread first; `by_activity`: newest message first,
    `by_due`: the earliest SLA due time first (the board's orders, for its first
    screenful)."""
    # Pick the threads first, then read their cards: the card's columns (and the customer's
    # newest message) are then computed for `limit` rows, not for every row the sort sees.
    query = (
        select(col(Thread.id))
        .join(Channel, col(Channel.id) == col(Thread.channel_id))
        .join(Contact, col(Contact.id) == col(Thread.contact_id))
        .correlate(None)
    )
    if flt.status == "all":
        pass
    elif flt.status:
        query = query.where(col(Thread.status) == status_named(flt.status))
    else:
        query = query.where(col(Thread.status).not_in(DONE))
    if flt.network:
        query = query.where(col(Channel.network) == flt.network)
    if flt.mine:
        query = query.where(
            or_(col(Thread.claim_holder_id) == actor.id, col(Thread.assignee_id) == actor.id)
        )
    if flt.unclaimed:
        query = query.where(col(Thread.claim_holder_id).is_(None))
    if flt.team_id is not None:
        query = query.where(col(Thread.team_id) == flt.team_id)
    if flt.visibility:
        query = query.where(col(Thread.visibility) == flt.visibility)
    if flt.q:
        pattern = f"%{flt.q.lower()}%"
        query = query.where(
            or_(
                col(Thread.excerpt).ilike(pattern),
                col(Contact.name).ilike(pattern),
                col(Contact.handle).ilike(pattern),
            )
        )
    if flt.sentiment:
        query = query.join(_latest_in, col(_latest_in.id) == latest_inbound_id()).where(
            col(_latest_in.sentiment_label) == flt.sentiment)
    if flt.incident_id is not None:
        query = query.where(col(Thread.incident_id) == flt.incident_id)
    if flt.before_id is not None:
        query = query.where(col(Thread.id) < flt.before_id)
    order: list[UnaryExpression[Any]] = [col(Thread.last_message_at).desc()] if by_activity else []
    if by_due:
        order = [col(Thread.sla_due_at).asc().nulls_last(),
                 col(Thread.waiting_since).asc().nulls_last()]
    order.append(col(Thread.id).desc())
    picked = query.order_by(*order).limit(flt.limit)
    cards = CARD_QUERY.where(col(Thread.id).in_(picked)).order_by(*order)
    return [_card_of_row(row) for row in (await session.execute(cards)).mappings()]
