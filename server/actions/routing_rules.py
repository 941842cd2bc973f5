"""Managing the routing rules (server/actions/routing.py applies them at ingest)."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.errors import Invalid, NotFound
from server.models import RoutingRule, Team, utcnow
from server.permissions import Actor
from server.queries.cards import PRIORITIES
from server.queries.teams import rule_json


async def _check(session: Any, fields: dict[str, Any]) -> dict[str, Any]:
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if not fields["name"]:
            raise Invalid("A rule needs a name.")
    if fields.get("priority") is not None and fields["priority"] not in PRIORITIES:
        raise Invalid("Unknown priority %(value)s.", value=fields["priority"])
    if fields.get("team_id") is not None and await session.get(Team, fields["team_id"]) is None:
        raise NotFound("There is no team %(id)s.", id=fields["team_id"])
    if "tags" in fields:
        fields["tags"] = sorted({t.strip().lower() for t in fields["tags"] if t.strip()})
    if "conditions" in fields:
        conditions = {k: v for k, v in fields["conditions"].items() if v is not None}
        if "words" in conditions:
            conditions["words"] = [w.strip() for w in conditions["words"] if w.strip()]
        fields["conditions"] = {k: v for k, v in conditions.items() if v != []}
    return fields


async def do_create_rule(db: Database, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
    async with db.write() as tx:
        fields = await _check(tx.session, fields)
        rule = RoutingRule(**fields)
        tx.session.add(rule)
        await tx.session.flush()
        tx.audit("rule.create", actor.id, rule_id=rule.id, **fields)
        return rule_json(rule)


async def do_update_rule(db: Database, actor: Actor, rule_id: int, fields: dict[str, Any]
                         ) -> dict[str, Any]:
    async with db.write() as tx:
        rule = await tx.session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFound("There is no routing rule %(id)s.", id=rule_id)
        fields = await _check(tx.session, fields)
        for name, value in fields.items():
            setattr(rule, name, value)
        rule.updated_at = utcnow()
        tx.audit("rule.update", actor.id, rule_id=rule_id, **fields)
        return rule_json(rule)


async def do_delete_rule(db: Database, actor: Actor, rule_id: int) -> None:
    async with db.write() as tx:
        rule = await tx.session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFound("There is no routing rule %(id)s.", id=rule_id)
        await tx.session.delete(rule)
        tx.audit("rule.delete", actor.id, rule_id=rule_id, name=rule.name)
