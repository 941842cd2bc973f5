"""Managing the service-level policies (server/actions/service_levels.py applies them)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, update

from server.db import Database
from server.errors import Invalid, NotFound
from server.models import Team
from server.models.service_levels import SlaClock, SlaPolicy
from server.permissions import Actor
from server.queries.teams import policy_json


async def do_create_policy(db: Database, actor: Actor, fields: dict[str, Any]
                           ) -> dict[str, Any]:
    fields["name"] = fields["name"].strip()
    if not fields["name"]:
        raise Invalid("A policy needs a name.")
    async with db.write() as tx:
        if fields.get("team_id") is not None and await tx.session.get(
                Team, fields["team_id"]) is None:
            raise NotFound("There is no team %(id)s.", id=fields["team_id"])
        policy = SlaPolicy(**fields)
        tx.session.add(policy)
        await tx.session.flush()
        tx.audit("sla.create", actor.id, policy_id=policy.id, **fields)
        return policy_json(policy)


async def do_delete_policy(db: Database, actor: Actor, policy_id: int) -> None:
    async with db.write() as tx:
        policy = await tx.session.get(SlaPolicy, policy_id)
        if policy is None:
            raise NotFound("There is no service-level policy %(id)s.", id=policy_id)
        # Running clocks keep their due times; they just no longer name the policy.
        await tx.session.execute(update(SlaClock).where(col(SlaClock.policy_id) == policy_id)
                                 .values(policy_id=None))
        await tx.session.delete(policy)
        tx.audit("sla.delete", actor.id, policy_id=policy_id, name=policy.name)
