"""Suggested merges for one customer, each with its reasons and a confidence.

Computed on demand, with indexed lookups only: the customer's own identities (through its
contacts), then the other contacts holding the same (kind, value) by the identity index.
Names are compared with rapidfuzz among customers sharing a word of the name (the same
index), never against every customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.identities import fold_name
from server.models import Channel, Contact, ContactIdentity, Customer
from server.queries.customers import contacts_of, live_customer

# A value that more customers than this share tells nobody apart (a shop's own address
# quoted in every mail, a hotline number): it suggests nothing.
TOO_COMMON = 5
NAME_CANDIDATES = 200
NAME_SCORE = 85  # rapidfuzz's token_sort_ratio, 0..100
MAX_SUGGESTIONS = 20
MAX_KEYS = 200  # identities of the customer looked up, at most


@dataclass(frozen=True)
class Side:
    kind: str
    value: str
    source: str  # profile | message | network
    network: str


@dataclass
class Suggestion:
    customer_id: int
    confidence: float = 0.0
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def add(self, reason: str, confidence: float, **detail: Any) -> None:
        if not any(r["reason"] == reason and r.get("value") == detail.get("value")
                   for r in self.reasons):
            self.reasons.append({"reason": reason, "confidence": confidence, **detail})
        self.confidence = max(self.confidence, confidence)


def judge(kind: str, mine: Side, theirs: Side) -> tuple[str, float]:
    """Why two identities with the same value point at one person, and how surely."""
    sides = {mine.source, theirs.source}
    if kind == "link":
        return "network_link", 0.99
    if kind == "phone":
        if "whatsapp" in (mine.network, theirs.network) and "profile" in sides:
            return "whatsapp_number", 0.95  # the number is their WhatsApp account
        return "same_phone", 0.85 if "profile" in sides else 0.75
    if kind == "email":
        if sides == {"profile"}:
            return "same_email", 0.95
        return "same_email", 0.9 if "profile" in sides else 0.8
    return "same_handle", 0.6


def _identities_of(customer_id: int) -> Any:
    return (
        select(col(ContactIdentity.kind), col(ContactIdentity.value),
               col(ContactIdentity.source), col(Channel.network), col(Contact.customer_id))
        .join(Contact, col(Contact.id) == col(ContactIdentity.contact_id))
        .join(Channel, col(Channel.id) == col(Contact.channel_id))
        .where(col(Contact.customer_id) == customer_id)
    )


async def _by_identity(session: AsyncSession, customer_id: int,
                       found: dict[int, Suggestion]) -> list[str]:
    """Same address, number, handle or network link; returns the customer's name words."""
    mine: dict[tuple[str, str], list[Side]] = {}
    words: list[str] = []
    for kind, value, source, network, _ in await session.execute(_identities_of(customer_id)):
        if kind == "name":
            words.append(value)
        else:
            mine.setdefault((kind, value), []).append(Side(kind, value, source, network))
    if not mine:
        return words
    keys = list(mine)[:MAX_KEYS]
    matching = (
        select(col(ContactIdentity.kind), col(ContactIdentity.value),
               col(ContactIdentity.source), col(Channel.network), col(Contact.customer_id))
        .join(Contact, col(Contact.id) == col(ContactIdentity.contact_id))
        .join(Channel, col(Channel.id) == col(Contact.channel_id))
        .where(or_(*(and_(col(ContactIdentity.kind) == k, col(ContactIdentity.value) == v)
                     for k, v in keys)),
               col(Contact.customer_id) != customer_id)
    )
    theirs: dict[tuple[str, str], list[tuple[Side, int]]] = {}
    for kind, value, source, network, other in await session.execute(matching):
        if other is None:
            continue
        theirs.setdefault((kind, value), []).append((Side(kind, value, source, network), other))
    for key, others in theirs.items():
        if len({other for _, other in others}) > TOO_COMMON:
            continue
        for side, other in others:
            reason, confidence = max((judge(key[0], m, side) for m in mine[key]),
                                     key=lambda judged: judged[1])
            found.setdefault(other, Suggestion(other)).add(reason, confidence, value=key[1])
    return words


async def _by_name(session: AsyncSession, customer: Customer, words: list[str],
                   found: dict[int, Suggestion]) -> None:
    if not words:
        return
    sharing = (
        select(col(Contact.customer_id))
        .join(ContactIdentity, col(ContactIdentity.contact_id) == col(Contact.id))
        .where(col(ContactIdentity.kind) == "name", col(ContactIdentity.value).in_(words),
               col(Contact.customer_id) != customer.id)
        .group_by(col(Contact.customer_id))
        .order_by(func.count().desc(), col(Contact.customer_id).desc())
        .limit(NAME_CANDIDATES)
    )
    candidates = list((await session.scalars(sharing)).all())
    if not candidates:
        return
    names = (await session.execute(
        select(col(Customer.id), col(Customer.display_name))
        .where(col(Customer.id).in_(candidates), col(Customer.merged_into_id).is_(None))
    )).all()
    mine = fold_name(customer.display_name)
    for other, name in names:
        if other is None:
            continue
        score = fuzz.token_sort_ratio(mine, fold_name(name))
        if score >= NAME_SCORE:
            # Similar names alone are a hint, never a proof: at most 0.6.
            found.setdefault(other, Suggestion(other)).add(
                "similar_name", round(0.6 * score / 100, 2), value=name, score=round(score))


async def suggestions(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    customer = await live_customer(session, customer_id)
    cid: int = customer.id  # type: ignore[assignment]
    found: dict[int, Suggestion] = {}
    words = await _by_identity(session, cid, found)
    await _by_name(session, customer, words, found)
    best = sorted(found.values(), key=lambda s: (-s.confidence, s.customer_id))
    best = best[:MAX_SUGGESTIONS]
    ids = [s.customer_id for s in best]
    rows = (await session.execute(
        select(col(Customer.id), col(Customer.display_name), col(Customer.vip))
        .where(col(Customer.id).in_(ids)))).all() if ids else []
    about = {i: (name, vip) for i, name, vip in rows}
    contacts = await contacts_of(session, ids)
    return [{"customer_id": s.customer_id, "display_name": about[s.customer_id][0],
             "vip": about[s.customer_id][1], "confidence": s.confidence,
             "reasons": sorted(s.reasons, key=lambda r: -r["confidence"]),
             "contacts": contacts[s.customer_id]}
            for s in best if s.customer_id in about]
