"""Commands of listening: the rules, the lane of matches, engaging, the volume per rule."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field

from server.actions.listening import MAX_TERM, MAX_TERMS, RuleFields, do_engage, do_save_rule
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import Result
from server.errors import Conflict, NotFound
from server.events.listening import ListeningMatchView, ListeningRuleView
from server.models import utcnow
from server.queries import listening as queries

Term = Annotated[str, Chars(MAX_TERM, min_length=1)]
Terms = Annotated[list[Term], Field(max_length=MAX_TERMS)]
Code = Annotated[str, Chars(2, min_length=2)]
Network = Annotated[str, Chars(32, min_length=1)]


class RuleInput(CommandInput):
    brand: Annotated[str, Chars(80, min_length=1)]
    name: Annotated[str, Chars(120, min_length=1)]
    any_terms: Terms = Field(default_factory=list, description="at least one must be there")
    all_terms: Terms = Field(default_factory=list, description="every one must be there")
    none_terms: Terms = Field(default_factory=list, description="none may be there")
    languages: Annotated[list[Code], Field(max_length=20)] = Field(
        default_factory=list, description="empty: every language")
    networks: Annotated[list[Network], Field(max_length=20)] = Field(
        default_factory=list, description="empty: every network")
    active: bool = True

    def fields(self) -> RuleFields:
        return RuleFields(self.brand, self.name, list(self.any_terms), list(self.all_terms),
                          list(self.none_terms), list(self.languages), list(self.networks),
                          self.active)


class RuleChange(RuleInput):
    rule_id: Id


class LaneInput(CommandInput):
    rule_id: Id | None = None
    engaged: bool = Field(False, description="also the matches someone engaged with")
    limit: int = Field(100, ge=1, le=queries.LANE_LIMIT)


class MatchRef(CommandInput):
    match_id: Id


class VolumeInput(CommandInput):
    hours: int = Field(24, ge=1, le=24 * 31)
    bucket_minutes: int = Field(60, ge=5, le=24 * 60)


class RuleSaved(Result):
    rule: ListeningRuleView


class Rules(Result):
    rules: list[ListeningRuleView]


class Lane(Result):
    matches: list[ListeningMatchView]


class Engaged(Result):
    thread_id: int


class RuleVolume(Result):
    rule_id: int
    name: str
    counts: list[int]  # oldest bucket first
    total: int


class Volume(Result):
    since: str
    bucket_minutes: int
    rules: list[RuleVolume]


async def create_rule(call: Call, data: RuleInput) -> dict[str, object]:
    rule = await do_save_rule(call.desk.db, call.actor, None, data.fields())
    return {"rule": rule.model_dump(mode="json")}


async def update_rule(call: Call, data: RuleChange) -> dict[str, object]:
    rule = await do_save_rule(call.desk.db, call.actor, data.rule_id, data.fields())
    return {"rule": rule.model_dump(mode="json")}


async def list_rules(call: Call, _: NoInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        found = await queries.rules(session)
    return {"rules": [r.model_dump(mode="json") for r in found]}


async def lane(call: Call, data: LaneInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        found = await queries.lane(session, rule_id=data.rule_id, engaged=data.engaged,
                                   limit=data.limit)
    return {"matches": [m.model_dump(mode="json") for m in found]}


async def engage(call: Call, data: MatchRef) -> dict[str, object]:
    return {"thread_id": await do_engage(call.desk, call.actor, data.match_id)}


async def volume(call: Call, data: VolumeInput) -> dict[str, object]:
    until = utcnow()
    since = until - timedelta(hours=data.hours)
    async with call.desk.db.read() as session:
        names = await queries.rule_names(session)
        counts = await queries.volume(session, since, until, data.bucket_minutes, list(names))
    return {"since": since.isoformat(), "bucket_minutes": data.bucket_minutes, "rules": [
        {"rule_id": rule_id, "name": names[rule_id], "counts": counts[rule_id],
         "total": sum(counts[rule_id])} for rule_id in sorted(names)]}


RULES = "/api/listening/rules"
TAGS = ("listening",)
COMMANDS = [
    Command("listening.rule_create", RuleInput, create_rule,
            "A listening rule: words, phrases and #hashtags with any/all/none logic, language "
            "and network filters, for a brand.", permission="listening.manage",
            result=RuleSaved, rest=Rest("POST", RULES, status=201), tags=TAGS),
    Command("listening.rule_update", RuleChange, update_rule,
            "Change a listening rule, or switch it off (rules are kept for their volume).",
            permission="listening.manage", result=RuleSaved,
            rest=Rest("PUT", RULES + "/{rule_id}"), errors=(NotFound,), tags=TAGS),
    Command("listening.rules", NoInput, list_rules, "The listening rules, by brand and name.",
            permission="thread.view", result=Rules, rest=Rest("GET", RULES), tags=TAGS),
    Command("listening.lane", LaneInput, lane,
            "The listening lane: public posts that matched, newest first.",
            permission="thread.view", result=Lane, rest=Rest("GET", "/api/listening/matches"),
            tags=TAGS),
    Command("listening.engage", MatchRef, engage,
            "Turn a match into a normal thread of the board.", permission="thread.claim",
            result=Engaged, rest=Rest("POST", "/api/listening/matches/{match_id}/engage"),
            errors=(NotFound, Conflict), tags=TAGS),
    Command("listening.volume", VolumeInput, volume,
            "Matches per rule over time (the war room's trend).", permission="report.view",
            result=Volume, rest=Rest("GET", "/api/listening/volume"), tags=TAGS),
]
