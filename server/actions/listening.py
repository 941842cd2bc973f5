"""Listening: the rules a brand listens with, the matches they find, engaging a match.

Matches are stored once per (channel, post) with an INSERT ... ON CONFLICT DO NOTHING, in
the same transaction that moves the listener's cursor (conditional on its lease), so a post
read twice (a catch-up after a dropped stream, a restart) is one match, and a listener that
lost its lease can neither store nor move the cursor. Engaging a match hands its post to
ingest, which makes it a normal thread of the board.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from channels.base import InboundItem, PublicPost
from server.actions.channels import NETWORKS
from server.actions.ingest import do_ingest
from server.db import Database, Tx
from server.desk import Desk
from server.errors import Conflict, Invalid, NotFound
from server.events.base import event_row
from server.events.listening import (
    ListeningEngaged,
    ListeningMatched,
    ListeningRuleSaved,
    ListeningRuleView,
)
from server.listening.matcher import RuleMatcher, RuleTerms, normalized
from server.models import (
    ListeningHit,
    ListeningMatch,
    ListeningRule,
    ListeningWatch,
    Message,
    utcnow,
)
from server.permissions import Actor
from server.queries.listening import match_view, rule_view
from server.reading import read_message

MAX_TERMS = 50
MAX_TERM = 100
_LANGUAGE = re.compile(r"^[a-z]{2}$")
MATCH: Any = ListeningMatch.__table__  # type: ignore[attr-defined]
HIT: Any = ListeningHit.__table__  # type: ignore[attr-defined]


class LeaseLost(Exception):
    """Another process listens on this channel now; this listener must stop."""


@dataclass(frozen=True)
class RuleFields:
    brand: str
    name: str
    any_terms: list[str]
    all_terms: list[str]
    none_terms: list[str]
    languages: list[str]
    networks: list[str]
    active: bool = True


def _terms(terms: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for term in terms:
        term = " ".join(term.split())
        if not term or term in kept:
            continue
        if len(term) > MAX_TERM:
            raise Invalid("A term has at most %(count)d characters.", count=MAX_TERM)
        if term.startswith("#") and (len(term) < 2 or " " in term):
            raise Invalid("A hashtag is # and one word: %(term)s", term=term)
        kept.append(term)
    if len(kept) > MAX_TERMS:
        raise Invalid("A rule has at most %(count)d terms of each kind.", count=MAX_TERMS)
    return kept


def check_rule(fields: RuleFields) -> RuleFields:
    """The rule as stored (terms trimmed, repeats dropped), or Invalid."""
    brand, name = fields.brand.strip(), fields.name.strip()
    if not brand or not name:
        raise Invalid("A listening rule needs a brand and a name.")
    any_terms = _terms(fields.any_terms)
    all_terms = _terms(fields.all_terms)
    none_terms = _terms(fields.none_terms)
    if not any_terms and not all_terms:
        raise Invalid("A listening rule needs at least one word, phrase or hashtag to look "
                      "for (any or all).")
    wanted = {normalized(t) for t in any_terms + all_terms}
    if clash := sorted(wanted & {normalized(t) for t in none_terms}):
        raise Invalid("A term cannot be both wanted and excluded: %(term)s", term=clash[0])
    for language in fields.languages:
        if not _LANGUAGE.match(language):
            raise Invalid("A language is a two-letter code such as de or en, not %(value)s.",
                          value=language)
    for network in fields.networks:
        if network not in NETWORKS:
            raise Invalid("There is no network %(value)s.", value=network)
    return RuleFields(brand, name, any_terms, all_terms, none_terms,
                      sorted(set(fields.languages)), sorted(set(fields.networks)),
                      fields.active)


async def do_save_rule(db: Database, actor: Actor, rule_id: int | None,
                       fields: RuleFields) -> ListeningRuleView:
    """Create a rule (rule_id None) or change one; rules are switched off, never deleted,
    so the volume they found stays."""
    fields = check_rule(fields)
    async with db.write() as tx:
        if rule_id is None:
            rule = ListeningRule()
        else:
            found = await tx.session.get(ListeningRule, rule_id)
            if found is None:
                raise NotFound("There is no listening rule %(id)s.", id=rule_id)
            rule = found
        for key, value in vars(fields).items():
            setattr(rule, key, value)
        rule.updated_at = utcnow()
        tx.session.add(rule)
        await tx.session.flush()
        view = rule_view(rule)
        tx.audit("listening.rule_saved", actor.id, rule_id=rule.id, name=rule.name,
                 active=rule.active)
        tx.emit(event_row(ListeningRuleSaved(rule=view)))
    return view


class RuleCache:
    """This process's matcher, built again when the rules changed (checked per batch with
    one small query: how many rules, and the newest change)."""

    def __init__(self) -> None:
        self._version: tuple[Any, ...] | None = None
        self.matcher = RuleMatcher([])
        self.names: dict[int, str] = {}

    async def current(self, tx: Tx) -> RuleMatcher:
        version = tuple((await tx.session.execute(
            select(func.count(), func.max(col(ListeningRule.updated_at))))).one())
        if version != self._version:
            rules = (await tx.session.scalars(select(ListeningRule))).all()
            self.names = {r.id: r.name for r in rules if r.id is not None}
            self.matcher = RuleMatcher(terms_of(r) for r in rules if r.active)
            self._version = version
        return self.matcher


def terms_of(rule: ListeningRule) -> RuleTerms:
    return RuleTerms(rule.id or 0, tuple(rule.any_terms), tuple(rule.all_terms),
                     tuple(rule.none_terms), tuple(rule.languages), tuple(rule.networks))


def _insert(tx: Tx, table: Any) -> Any:
    return postgresql.insert(table) if tx.dialect == "postgresql" else sqlite.insert(table)


def _item_json(item: InboundItem) -> dict[str, Any]:
    return {"external_id": item.external_id, "author_id": item.author_id,
            "author_name": item.author_name, "author_handle": item.author_handle,
            "text": item.text, "reply_to": item.reply_to,
            "created_at": item.created_at.isoformat() if item.created_at else None}


async def do_store_matches(db: Database, cache: RuleCache, channel_id: int, network: str,
                           holder: str, posts: Sequence[PublicPost],
                           cursor: Mapping[str, Any]) -> int:
    """Match a listener's batch against the rules, store the new matches and move the
    cursor, in one transaction; returns how many matches were new. Raises LeaseLost."""
    async with db.write() as tx:
        matcher = await cache.current(tx)
        found: list[tuple[PublicPost, list[int], Any]] = []
        for post in posts:
            text = post.item.text
            if not matcher.matching(text, network, None, check_language=False):
                continue
            reading = read_message(text)  # only for candidates: the language and sentiment
            rules = matcher.matching(text, network, post.language or reading.language)
            if rules:
                found.append((post, rules, reading))
        new = await _insert_matches(tx, channel_id, network, found, cache.names)
        moved = await tx.session.execute(
            update(ListeningWatch)
            .where(col(ListeningWatch.channel_id) == channel_id,
                   col(ListeningWatch.holder) == holder)
            .values(cursor=dict(cursor), updated_at=utcnow()))
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost()
    return new


async def _insert_matches(tx: Tx, channel_id: int, network: str,
                          found: list[tuple[PublicPost, list[int], Any]],
                          names: Mapping[int, str]) -> int:
    if not found:
        return 0
    now = utcnow()
    rows = [{
        "channel_id": channel_id, "network": network, "external_id": p.item.external_id,
        "author_id": p.item.author_id, "author_name": p.item.author_name[:200],
        "author_handle": (p.item.author_handle or None) and p.item.author_handle[:200],
        "text": p.item.text, "url": p.url[:500] if p.url else None,
        "posted_at": p.item.created_at, "language": p.language or reading.language,
        "sentiment_score": reading.score, "sentiment_label": reading.label,
        "rule_ids": rules, "matched_at": now, "item": _item_json(p.item),
    } for p, rules, reading in found]
    stored = (await tx.session.execute(
        _insert(tx, MATCH).on_conflict_do_nothing(index_elements=["channel_id", "external_id"])
        .returning(*MATCH.c), rows)).mappings().all()
    if not stored:
        return 0
    await tx.session.execute(_insert(tx, HIT), [
        {"rule_id": rule_id, "match_id": row["id"], "matched_at": now}
        for row in stored for rule_id in row["rule_ids"]])
    for row in stored:
        tx.emit(event_row(ListeningMatched(match=match_view(row, names))))
    return len(stored)


async def do_engage(desk: Desk, actor: Actor, match_id: int) -> int:
    """Turn a match into a normal thread of the board (its post stored through ingest, as
    a public post of its channel); returns the thread's id."""
    async with desk.db.read() as session:
        match = await session.get(ListeningMatch, match_id)
    if match is None:
        raise NotFound("There is no listening match %(id)s.", id=match_id)
    if match.thread_id is not None:
        raise Conflict("Someone already engaged with this post: it is thread %(id)s.",
                       id=match.thread_id)
    raw = dict(match.item)
    item = InboundItem(
        external_id=match.external_id, author_id=match.author_id,
        author_name=match.author_name, author_handle=match.author_handle, text=match.text,
        visibility="public", reply_to=raw.get("reply_to"), created_at=match.posted_at)
    await do_ingest(desk.ingest, match.channel_id, [item])
    async with desk.db.write() as tx:
        thread_id = await tx.session.scalar(
            select(col(Message.thread_id)).where(col(Message.channel_id) == match.channel_id,
                                                 col(Message.external_id) == match.external_id))
        if thread_id is None:
            raise NotFound("The post of match %(id)s could not be stored.", id=match_id)
        taken = await tx.session.execute(
            update(ListeningMatch).where(col(ListeningMatch.id) == match_id,
                                         col(ListeningMatch.thread_id).is_(None))
            .values(thread_id=thread_id))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("Someone already engaged with this post.")
        tx.audit("listening.engaged", actor.id, thread_id, match_id=match_id)
        tx.emit(event_row(ListeningEngaged(match_id=match_id, thread_id=thread_id),
                          thread_id=thread_id))
    return thread_id
