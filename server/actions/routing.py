"""Routing a new thread: the first active rule whose conditions its first message meets
gives it a team, a priority and tags, and its name ("routed by rule 'Billing DE'").

An ingest step (server/actions/arrivals.py): per batch it reads the rules once, and the
customers of the new threads once if a rule asks about them; then each new thread is
matched in memory. Threads that gained a team go on to automatic assignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from server.actions.arrivals import Arrival, ArrivingThread
from server.actions.assignment import assign_new
from server.db import Tx
from server.models import Customer, RoutingRule

RULE = RoutingRule.__table__  # type: ignore[attr-defined]
CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_RULES = select(RULE).where(RULE.c.active.is_(True)).order_by(RULE.c.position, RULE.c.id)

# The conditions a rule may have: each is a list of allowed values (any of them), except
# vip (true or false).
CONDITIONS = ("networks", "channel_ids", "visibility", "languages", "words", "vip",
              "customer_tags", "sentiments")


@dataclass(frozen=True, slots=True)
class Rule:
    """A routing rule as matching needs it: plain values, the words folded once."""

    id: int
    name: str
    conditions: Mapping[str, Any]
    words: tuple[str, ...]
    team_id: int | None
    priority: str | None
    tags: tuple[str, ...]

    @property
    def asks_customer(self) -> bool:
        return "vip" in self.conditions or bool(self.conditions.get("customer_tags"))

    def matches(self, arrival: Arrival, customer: Mapping[str, Any] | None) -> bool:
        c = self.conditions
        if not _allowed(c.get("networks"), arrival.channel.network):
            return False
        if not _allowed(c.get("channel_ids"), arrival.channel.id):
            return False
        if not _allowed(c.get("visibility"), arrival.item.visibility):
            return False
        if not _allowed(c.get("languages"), arrival.reading.language):
            return False
        if not _allowed(c.get("sentiments"), arrival.reading.label):
            return False
        if self.words:
            text = arrival.item.text.casefold()
            if not any(word in text for word in self.words):
                return False
        if "vip" in c and bool(customer and customer["vip"]) != bool(c["vip"]):
            return False
        wanted = c.get("customer_tags")
        return not wanted or bool(customer and set(wanted) & set(customer["tags"] or ()))


def _allowed(values: Sequence[Any] | None, value: Any) -> bool:
    return not values or value in values


def rule_of(row: Mapping[str, Any]) -> Rule:
    conditions = {k: v for k, v in (row["conditions"] or {}).items() if v not in (None, [])}
    return Rule(id=row["id"], name=row["name"], conditions=conditions,
                words=tuple(w.casefold() for w in conditions.get("words", ())),
                team_id=row["team_id"], priority=row["priority"], tags=tuple(row["tags"]))


class Routing:
    """The ingest step: route each thread the batch opened, then assign what has a team."""

    async def arrived(self, tx: Tx, arrivals: Sequence[Arrival], now: datetime) -> None:
        first: dict[int, Arrival] = {}
        for arrival in arrivals:
            if arrival.thread.opened:
                first.setdefault(arrival.thread.id, arrival)
        if not first:
            return
        rules = [rule_of(row) for row in (await tx.session.execute(_RULES)).mappings()]
        if rules:
            customers = await _customers(tx, rules, first.values())
            for arrival in first.values():
                route(arrival.thread, rules, arrival, customers.get(arrival.customer_id))
        await assign_new(tx, [a.thread for a in first.values()], first, now)


def route(thread: ArrivingThread, rules: Sequence[Rule], arrival: Arrival,
          customer: Mapping[str, Any] | None) -> Rule | None:
    for rule in rules:
        if rule.matches(arrival, customer):
            if rule.team_id is not None:
                thread.set("team_id", rule.team_id)
            if rule.priority is not None:
                thread.set("priority", rule.priority)
            if rule.tags:
                thread.set("tags", sorted({*thread.row["tags"], *rule.tags}))
            thread.set("routed_by", rule.name)
            return rule
    return None


async def _customers(tx: Tx, rules: Sequence[Rule], arrivals: Any
                     ) -> dict[int | None, Mapping[str, Any]]:
    """The new threads' customers, read only when a rule asks about them."""
    if not any(rule.asks_customer for rule in rules):
        return {}
    ids = {a.customer_id for a in arrivals if a.customer_id is not None}
    if not ids:
        return {}
    rows = await tx.session.execute(
        select(CUSTOMER.c.id, CUSTOMER.c.vip, CUSTOMER.c.tags).where(CUSTOMER.c.id.in_(ids)))
    return {row.id: row._mapping for row in rows}
