"""Reading listening: the rules, the lane of matches, the volume per rule over time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.events.listening import ListeningMatchView, ListeningRuleView
from server.models import ListeningHit, ListeningMatch, ListeningRule, ListeningWatch

LANE_LIMIT = 200


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def rule_view(rule: ListeningRule) -> ListeningRuleView:
    return ListeningRuleView(
        id=rule.id or 0, brand=rule.brand, name=rule.name, any_terms=list(rule.any_terms),
        all_terms=list(rule.all_terms), none_terms=list(rule.none_terms),
        languages=list(rule.languages), networks=list(rule.networks), active=rule.active)


def match_view(row: Mapping[str, Any], names: Mapping[int, str]) -> ListeningMatchView:
    """A match as the lane shows it (`row`: the table's columns)."""
    rule_ids = [int(r) for r in row["rule_ids"]]
    return ListeningMatchView(
        id=row["id"], channel_id=row["channel_id"], network=row["network"],
        external_id=row["external_id"], author_name=row["author_name"],
        author_handle=row["author_handle"], text=row["text"], url=row["url"],
        posted_at=_iso(row["posted_at"]), language=row["language"],
        sentiment_score=row["sentiment_score"], sentiment_label=row["sentiment_label"],
        rule_ids=rule_ids, rules=[names.get(r, f"#{r}") for r in rule_ids],
        matched_at=_iso(row["matched_at"]) or "", thread_id=row["thread_id"])


async def rules(session: AsyncSession, brand: str | None = None) -> list[ListeningRuleView]:
    query = select(ListeningRule).order_by(col(ListeningRule.brand), col(ListeningRule.name))
    if brand:
        query = query.where(col(ListeningRule.brand) == brand)
    return [rule_view(r) for r in (await session.scalars(query)).all()]


async def rule_names(session: AsyncSession) -> dict[int, str]:
    rows = await session.execute(select(col(ListeningRule.id), col(ListeningRule.name)))
    return {rule_id: name for rule_id, name in rows.all()}


async def lane(session: AsyncSession, *, rule_id: int | None = None,
               engaged: bool = False, limit: int = LANE_LIMIT) -> list[ListeningMatchView]:
    """The newest matches (not yet engaged unless `engaged`), newest first."""
    table: Any = ListeningMatch.__table__  # type: ignore[attr-defined]
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if not engaged:
        query = query.where(table.c.thread_id.is_(None))
    if rule_id is not None:
        query = query.where(table.c.id.in_(
            select(col(ListeningHit.match_id)).where(col(ListeningHit.rule_id) == rule_id)))
    names = await rule_names(session)
    return [match_view(row, names) for row in (await session.execute(query)).mappings()]


async def volume(session: AsyncSession, since: datetime, until: datetime,
                 bucket_minutes: int, rule_ids: Sequence[int] | None = None
                 ) -> dict[int, list[int]]:
    """Matches per rule in buckets of `bucket_minutes` from `since` to `until` (the war
    room's trend): rule id -> counts, oldest bucket first. One indexed range read; the
    bucketing is done here, the same on SQLite and PostgreSQL."""
    query = select(col(ListeningHit.rule_id), col(ListeningHit.matched_at)).where(
        col(ListeningHit.matched_at) >= since, col(ListeningHit.matched_at) < until)
    if rule_ids:
        query = query.where(col(ListeningHit.rule_id).in_(list(rule_ids)))
    size = timedelta(minutes=bucket_minutes)
    buckets = max(1, -(-(until - since) // size))
    counts: dict[int, list[int]] = {r: [0] * buckets for r in rule_ids or ()}
    for rule_id, at in (await session.execute(query)).all():
        at = at if at.tzinfo else at.replace(tzinfo=since.tzinfo)
        counts.setdefault(rule_id, [0] * buckets)[min(int((at - since) // size),
                                                     buckets - 1)] += 1
    return counts


async def total_per_rule(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(select(col(ListeningHit.rule_id), func.count())
                                 .group_by(col(ListeningHit.rule_id)))
    return {rule_id: count for rule_id, count in rows.all()}


async def listeners(session: AsyncSession) -> list[ListeningWatch]:
    return list((await session.scalars(select(ListeningWatch))).all())
