"""Escalation: take a public thread private, and come back to public when it is solved.

Taking private answers the customer on the network's private path (Meta: a private reply to
their comment; X: a direct message), opens (or reuses) the linked private thread, keyed as
ingest keys that customer's direct messages ("dm:<author>"), so their private answers land
there, and optionally posts a public holding reply. Back to public posts a follow-up on the
original public thread, through approval when the policy asks. Everything leaves through
the outbox; the desk refuses up front what the network would refuse (no private path, a
closed window).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from channels.base import Capabilities
from channels.registry import capabilities
from server.actions import service_levels
from server.actions.claims import check_may_act, release_claim
from server.actions.outbox import enqueue_reply
from server.actions.replies import announce_request, check_text
from server.actions.reply_policy import needs_approval
from server.actions.windows import aware
from server.db import Database, Tx
from server.errors import Conflict, Invalid, NoPrivatePath
from server.events import ThreadOpened, UserRef, event_row
from server.events.escalation import ThreadBackToPublic, ThreadTakenPrivate
from server.i18n import LANGUAGES
from server.models import Approval, Channel, Contact, Message, Template, Thread, utcnow
from server.models.replies import OPEN_APPROVAL
from server.models.time import iso
from server.permissions import Actor
from server.queries.cards import card
from server.queries.customer_language import thread_language
from server.queries.templates import fill
from server.starter_templates import HOLDING, holding_default
from server.statuses import DONE

EXCERPT = 280


@dataclass(frozen=True)
class Escalated:
    public_thread_id: int
    private_thread_id: int
    message_id: int
    path: Literal["private_reply", "direct_message"]
    holding_reply: Literal["none", "queued", "pending_approval"]
    holding_id: int | None  # the holding reply's message, or its approval

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Returned:
    private_thread_id: int
    public_thread_id: int
    outcome: Literal["queued", "pending_approval"]
    message_id: int | None
    approval_id: int | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def capabilities_of(channel: Channel) -> Capabilities | None:
    return capabilities(channel.adapter, channel.network)


async def _customer_item(tx: Tx, thread: Thread) -> Message | None:
    """The customer's newest item in the thread with a network id: what the desk answers."""
    return await tx.session.scalar(
        select(Message).where(
            col(Message.thread_id) == thread.id, col(Message.direction) == "in",
            col(Message.contact_id) == thread.contact_id, col(Message.external_id).is_not(None),
        ).order_by(col(Message.id).desc()).limit(1)
    )


async def check_take_private(tx: Tx, thread: Thread, channel: Channel) -> tuple[Message, str]:
    """What the network would refuse, refused here with the reason; returns the item to
    answer privately and the path."""
    if thread.visibility != "public":
        raise Invalid("Only a public thread can be taken private.")
    if thread.private_thread_id:
        raise Conflict("This thread was taken private already (thread %(id)s).",
                       id=thread.private_thread_id)
    caps = capabilities_of(channel)
    if caps is None or not caps.private_reply_to_public:
        raise NoPrivatePath(
            "%(network)s offers no private path from a public post: answer publicly.",
            network=channel.network)
    item = await _customer_item(tx, thread)
    if item is None:
        raise Invalid("There is no customer message in this thread to answer privately.")
    days = caps.private_reply_window_days
    if days and utcnow() - aware(item.created_at) > timedelta(days=days):
        raise NoPrivatePath(
            "%(network)s allows a private reply only within %(days)d days of the comment; "
            "this comment is from %(date)s. Answer publicly instead.",
            network=channel.network, days=days, date=iso(item.created_at),
        )
    return item, "private_reply" if days else "direct_message"


async def holding_texts(session: AsyncSession, actor: Actor, thread: Thread, contact: Contact,
                        default_language: str) -> tuple[str, dict[str, str]]:
    """The public holding reply "Take it private" proposes: the customer's language, and the
    text in each of the desk's languages (the template's variant, or the built-in words)."""
    language = await thread_language(session, thread, default_language)
    stored = {t.language: t.body for t in (await session.scalars(
        select(Template).where(col(Template.name) == HOLDING))).all()}
    values = {"customer_name": contact.name, "agent_name": actor.name,
              "customer_handle": contact.handle or contact.name}
    return language, {lang: fill(stored.get(lang) or holding_default(lang), values)
                      for lang in LANGUAGES}


async def public_reply(tx: Tx, actor: Actor, thread: Thread, network: str, text: str
                       ) -> tuple[Literal["queued", "pending_approval"], int]:
    """A public reply on `thread`: queued, or waiting for approval when the policy asks.
    Returns the outcome and the message or approval id."""
    if await needs_approval(tx.session, actor, network=network, visibility="public"):
        waiting = await tx.session.scalar(select(col(Approval.id)).where(
            col(Approval.thread_id) == thread.id, col(Approval.status).in_(OPEN_APPROVAL)))
        if waiting:
            raise Conflict("A reply on the public thread waits for approval already.")
        newest = await tx.session.scalar(
            select(col(Message.id)).where(col(Message.thread_id) == thread.id)
            .order_by(col(Message.id).desc()).limit(1))
        approval = Approval(thread_id=thread.id, submitted_by_id=actor.id,  # type: ignore[arg-type]
                            authors=[actor.id], submitted_text=text, seen_message_id=newest)
        tx.session.add(approval)
        await tx.session.flush()
        tx.audit("reply.submit", actor.id, thread.id, text=text, authors=[actor.id],
                 approval=True, approval_id=approval.id, via="escalation")
        await announce_request(tx, approval)
        return "pending_approval", approval.id  # type: ignore[return-value]
    message = await enqueue_reply(tx, thread, text, actor.id, actor.name)
    tx.audit("reply.queued", actor.id, thread.id, message_id=message.id, text=text,
             author_id=actor.id, via="escalation")
    return "queued", message.id  # type: ignore[return-value]


async def _private_thread(tx: Tx, public: Thread, contact: Contact) -> tuple[Thread, bool]:
    """The customer's private thread on this channel, as ingest keys their messages."""
    key = f"dm:{contact.external_id}"
    private = await tx.session.scalar(
        select(Thread).where(col(Thread.channel_id) == public.channel_id,
                             col(Thread.external_key) == key))
    if private is not None:
        if private.status in DONE:
            private.status = "open"
            private.resolved_at = None
        return private, False
    private = Thread(
        channel_id=public.channel_id, external_key=key, visibility="private", status="open",
        contact_id=contact.id,  # type: ignore[arg-type]
        customer_id=public.customer_id, subject=public.subject, team_id=public.team_id,
        assignee_id=public.assignee_id, priority=public.priority, reason=public.reason,
    )
    tx.session.add(private)
    await tx.session.flush()
    return private, True


async def do_take_private(
    db: Database, actor: Actor, thread_id: int, text: str, *, holding_reply: bool = False,
    holding_text: str | None = None, default_language: str = "en",
) -> Escalated:
    """Answer privately; with `holding_reply`, also answer publicly that we did: in the
    words the person edited (`holding_text`), else the holding template in the customer's
    language."""
    text = check_text(text)
    if holding_text is not None:
        holding_text = check_text(holding_text)
    async with db.write() as tx:
        public = await check_may_act(tx, actor, thread_id)
        channel = await tx.session.get(Channel, public.channel_id)
        assert channel is not None
        item, path = await check_take_private(tx, public, channel)
        contact = await tx.session.get(Contact, public.contact_id)
        assert contact is not None
        private, opened = await _private_thread(tx, public, contact)
        public.private_thread_id = private.id
        private.public_thread_id = public.id
        public.updated_at = private.updated_at = utcnow()
        await tx.session.flush()
        if opened:
            tx.emit(event_row(ThreadOpened(card=await card(tx.session, private.id)),  # type: ignore[arg-type]
                              thread_id=private.id))
        # Before the message: its event carries the private thread's card, excerpt included.
        private.excerpt = " ".join(text.split())[:EXCERPT]
        message = await enqueue_reply(tx, private, text, actor.id, actor.name)
        # The first private word answers the public item: Meta sends it as a private reply
        # to that comment; X as a direct message to its author.
        message.reply_to_external_id = item.external_id
        await tx.session.flush()
        holding: Literal["none", "queued", "pending_approval"] = "none"
        holding_id = None
        if holding_reply:
            words = holding_text
            if words is None:
                language, texts = await holding_texts(tx.session, actor, public, contact,
                                                      default_language)
                words = texts[language]
            holding, holding_id = await public_reply(tx, actor, public, channel.network, words)
        tx.audit("thread.escalate", actor.id, public.id, private_thread_id=private.id,
                 message_id=message.id, path=path, answered=item.external_id,
                 holding_reply=holding)
        tx.emit(event_row(ThreadTakenPrivate(
            thread_id=public.id, private_thread_id=private.id, path=path,
            message_id=message.id, holding_reply=holding,
            by=UserRef(id=actor.id, name=actor.name), card=await card(tx.session, public.id),  # type: ignore[arg-type]
        ), thread_id=public.id))
    return Escalated(public.id, private.id, message.id, path, holding, holding_id)  # type: ignore[arg-type]


async def do_back_to_public(
    db: Database, actor: Actor, private_thread_id: int, text: str, *, resolve: bool = True,
) -> Returned:
    """Post a public follow-up on the public thread this private thread came from."""
    text = check_text(text)
    async with db.write() as tx:
        private = await check_may_act(tx, actor, private_thread_id)
        if private.visibility != "private" or not private.public_thread_id:
            raise Invalid("This thread was not taken private from a public thread.")
        public = await check_may_act(tx, actor, private.public_thread_id)
        channel = await tx.session.get(Channel, public.channel_id)
        assert channel is not None
        caps = capabilities_of(channel)
        if caps is None or not caps.public_reply:
            raise Invalid("%(network)s does not let the desk answer publicly.",
                          network=channel.network)
        outcome, made_id = await public_reply(tx, actor, public, channel.network, text)
        resolved = resolve and private.status not in DONE
        if resolved:
            private.status = "resolved"
            private.resolved_at = utcnow()
            await service_levels.stop(tx, private.id)  # type: ignore[arg-type]
            private.waiting_since = private.sla_due_at = None
            release_claim(private)
        private.updated_at = utcnow()
        await tx.session.flush()
        message_id = made_id if outcome == "queued" else None
        approval_id = made_id if outcome == "pending_approval" else None
        tx.audit("thread.back_to_public", actor.id, private.id, public_thread_id=public.id,
                 outcome=outcome, message_id=message_id, approval_id=approval_id,
                 resolved=resolved)
        tx.emit(event_row(ThreadBackToPublic(
            thread_id=private.id, public_thread_id=public.id, outcome=outcome,
            message_id=message_id, approval_id=approval_id, resolved=resolved,
            by=UserRef(id=actor.id, name=actor.name), card=await card(tx.session, private.id),  # type: ignore[arg-type]
        ), thread_id=private.id))
    return Returned(private.id, public.id, outcome, message_id, approval_id)  # type: ignore[arg-type]
