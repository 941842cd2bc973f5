"""Which replies need a second pair of eyes: the approval policy and crisis mode.

Both live in DeskSetting rows. The policy is a default per visibility plus ordered rules;
the first rule whose given fields (network, team, role, visibility) all match decides.
Crisis mode overrides everything: every public reply needs approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database, Tx
from server.errors import Invalid
from server.events import CrisisChanged, UserRef, event_row
from server.models import DeskSetting, utcnow
from server.models.time import iso
from server.permissions import Actor

POLICY_KEY = "approval_policy"
CRISIS_KEY = "crisis_mode"
# `corrections`: who confirms a text an approver corrected before it goes out, "author" (an
# author of the reply) or "approver" (a second approver).
CORRECTIONS = ("author", "approver")
DEFAULT_POLICY: dict[str, Any] = {"default": {"public": True, "private": False}, "rules": [],
                                  "corrections": "author"}
RULE_FIELDS = ("network", "team_id", "role", "visibility")
MAX_RULES = 100
MAX_CRISIS_MESSAGE = 500


@dataclass(frozen=True)
class Crisis:
    on: bool
    message: str
    by_id: int | None
    at: str | None

    def as_json(self) -> dict[str, Any]:
        return {"on": self.on, "message": self.message, "by_id": self.by_id, "at": self.at}


async def _setting(session: AsyncSession, key: str) -> dict[str, Any] | None:
    row = await session.get(DeskSetting, key)
    return dict(row.value) if row is not None else None


async def _store(tx: Tx, key: str, value: dict[str, Any]) -> None:
    row = await tx.session.get(DeskSetting, key)
    if row is None:
        tx.session.add(DeskSetting(key=key, value=value))
    else:
        row.value = value
        row.updated_at = utcnow()
    await tx.session.flush()


# -- crisis mode -----------------------------------------------------------------------


async def crisis_state(session: AsyncSession) -> Crisis:
    value = await _setting(session, CRISIS_KEY) or {}
    return Crisis(on=bool(value.get("on")), message=str(value.get("message") or ""),
                  by_id=value.get("by_id"), at=value.get("at"))


async def do_set_crisis(db: Database, actor: Actor, on: bool, message: str = "") -> Crisis:
    message = " ".join(message.split())
    if len(message) > MAX_CRISIS_MESSAGE:
        raise Invalid("At most %(count)d characters.", count=MAX_CRISIS_MESSAGE)
    async with db.write() as tx:
        now = iso(utcnow())
        state = Crisis(on=on, message=message if on else "", by_id=actor.id, at=now)
        await _store(tx, CRISIS_KEY, state.as_json())
        tx.audit("crisis.on" if on else "crisis.off", actor.id, message=state.message)
        tx.emit(event_row(CrisisChanged(
            on=on, message=state.message, by=UserRef(id=actor.id, name=actor.name),
            at=now,
        )))
    return state


# -- the approval policy ---------------------------------------------------------------


def check_policy(raw: Any) -> dict[str, Any]:
    """A clean policy from what a client sent, or Invalid."""
    if not isinstance(raw, dict):
        raise Invalid("The policy must be an object with default and rules.")
    default = raw.get("default", DEFAULT_POLICY["default"])
    if not isinstance(default, dict) or not all(
        isinstance(default.get(v, False), bool) for v in ("public", "private")
    ):
        raise Invalid("default needs true or false for public and private.")
    corrections = raw.get("corrections", DEFAULT_POLICY["corrections"])
    if corrections not in CORRECTIONS:
        raise Invalid("corrections must be author or approver.")
    rules = raw.get("rules", [])
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        raise Invalid("rules must be a list of at most %(count)d rules.", count=MAX_RULES)
    clean_rules = []
    for rule in rules:
        if not isinstance(rule, dict) or not isinstance(rule.get("require"), bool):
            raise Invalid("Each rule needs require: true or false.")
        unknown = set(rule) - {*RULE_FIELDS, "require"}
        if unknown:
            raise Invalid("Unknown rule fields: %(names)s.", names=", ".join(sorted(unknown)))
        clean: dict[str, Any] = {"require": rule["require"]}
        for name in RULE_FIELDS:
            value = rule.get(name)
            if value is None:
                continue
            if name == "team_id" and (isinstance(value, bool) or not isinstance(value, int)):
                raise Invalid("team_id must be a number.")
            if name != "team_id" and not isinstance(value, str):
                raise Invalid("%(name)s must be text.", name=name)
            if name == "visibility" and value not in ("public", "private"):
                raise Invalid("Unknown visibility %(value)s.", value=value)
            clean[name] = value
        clean_rules.append(clean)
    return {
        "default": {"public": default.get("public", True),
                    "private": default.get("private", False)},
        "rules": clean_rules,
        "corrections": corrections,
    }


async def approval_policy(session: AsyncSession) -> dict[str, Any]:
    # A policy stored before `corrections` existed reads with the default.
    return {**DEFAULT_POLICY, **(await _setting(session, POLICY_KEY) or {})}


async def do_set_policy(db: Database, actor: Actor, raw: Any) -> dict[str, Any]:
    policy = check_policy(raw)
    async with db.write() as tx:
        await _store(tx, POLICY_KEY, policy)
        tx.audit("approval_policy.set", actor.id, policy=policy)
    return policy


def policy_requires(
    policy: dict[str, Any], *, network: str, visibility: str, role: str, team_id: int | None
) -> bool:
    facts = {"network": network, "visibility": visibility, "role": role, "team_id": team_id}
    for rule in policy.get("rules", []):
        if all(rule[name] == facts[name] for name in RULE_FIELDS if name in rule):
            return bool(rule["require"])
    return bool(policy.get("default", {}).get(visibility, visibility == "public"))


async def needs_approval(
    session: AsyncSession, actor: Actor, *, network: str, visibility: str
) -> bool:
    if visibility == "public" and (await crisis_state(session)).on:
        return True
    return policy_requires(
        await approval_policy(session), network=network, visibility=visibility,
        role=actor.role, team_id=actor.team_id,
    )
