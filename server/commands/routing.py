"""Commands for who works on what: teams and members, routing rules, availability."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.actions.availability import do_set_availability
from server.actions.routing_rules import do_create_rule, do_delete_rule, do_update_rule
from server.actions.sla_policies import do_create_policy, do_delete_policy
from server.actions.teams import (
    MAX_CAPACITY,
    do_create_team,
    do_remove_member,
    do_set_member,
    do_update_team,
)
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import (
    Availabilities,
    AvailabilityAnswer,
    Deleted,
    MemberAnswer,
    Removed,
    RuleAnswer,
    Rules,
    SlaPolicies,
    SlaPolicyAnswer,
    TeamAnswer,
    Teams,
)
from server.errors import Conflict, NotFound
from server.queries.teams import list_availability, list_policies, list_rules, list_teams

Capacity = Annotated[int, Field(ge=0, le=MAX_CAPACITY)]
Word = Annotated[str, Chars(40)]
Words = Annotated[list[Word], Field(max_length=50)]


class NewTeam(CommandInput):
    name: Annotated[str, Chars(120, min_length=1)]
    auto_assign: bool = Field(False, description="hand new threads to members automatically")
    capacity: Capacity = Field(5, description="a member's open threads at most")


class TeamRef(CommandInput):
    team_id: Id


Span = Annotated[list[Annotated[str, Chars(5)]], Field(min_length=2, max_length=2)]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class TeamChange(TeamRef):
    name: Annotated[str, Chars(120, min_length=1)] | None = None
    auto_assign: bool | None = None
    capacity: Capacity | None = None
    time_zone: Annotated[str, Chars(64, min_length=1)] | None = Field(
        None, description="the IANA zone its hours are in, e.g. Europe/Berlin")
    hours: dict[Day, Annotated[list[Span], Field(max_length=6)]] | None = Field(
        None, description='{"mon": [["09:00", "17:00"]], ...}; {}: around the clock')
    holiday_country: Annotated[str, Chars(2, min_length=2)] | None = Field(
        None, description="whose public holidays: DE, AT, CH, ...")
    holiday_subdivision: Annotated[str, Chars(8, min_length=1)] | None = Field(
        None, description="and its state, e.g. BY, ZH")


class MemberRef(TeamRef):
    user_id: Id


class MemberFields(MemberRef):
    supervisor: bool | None = Field(None, description="hears of breaches; no automatic work")
    capacity: Capacity | None = Field(None, description="none: the team's capacity")
    languages: Words | None = Field(None, description="takes threads in these (empty: any)")
    networks: Words | None = Field(None, description="takes threads from these (empty: any)")
    topics: Words | None = Field(None, description="takes threads with one of these tags")


class Conditions(CommandInput):
    networks: Words | None = None
    channel_ids: Annotated[list[Id], Field(max_length=50)] | None = None
    visibility: list[Literal["public", "private"]] | None = None
    languages: list[Literal["de", "en"]] | None = None
    words: Annotated[list[Annotated[str, Chars(80)]], Field(max_length=100)] | None = Field(
        None, description="any of them in the text (case does not matter)")
    vip: bool | None = None
    customer_tags: Words | None = Field(None, description="any of them on the customer")
    sentiments: list[Literal["negative", "neutral", "positive"]] | None = None


class RuleFields(CommandInput):
    name: Annotated[str, Chars(120, min_length=1)] | None = None
    position: Annotated[int, Field(ge=0, le=10000)] | None = Field(
        None, description="rules are tried from the lowest position")
    active: bool | None = None
    conditions: Conditions | None = None
    team_id: Id | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    tags: Words | None = None


class NewRule(RuleFields):
    name: Annotated[str, Chars(120, min_length=1)]


class RuleRef(CommandInput):
    rule_id: Id


class RuleChange(RuleFields, RuleRef):
    pass


Minutes = Annotated[int, Field(ge=1, le=525_600)]


class NewPolicy(CommandInput):
    name: Annotated[str, Chars(120, min_length=1)]
    position: Annotated[int, Field(ge=0, le=10000)] = 0
    active: bool = True
    team_id: Id | None = Field(None, description="none: any team")
    network: Annotated[str, Chars(32)] | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    vip: bool | None = None
    first_response_minutes: Minutes | None = Field(None, description="of working time")
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None


class PolicyRef(CommandInput):
    policy_id: Id


class AvailabilityInput(CommandInput):
    state: Literal["online", "away", "busy", "offline"]


def _rule_fields(data: RuleFields) -> dict[str, object]:
    fields = data.model_dump(include=set(RuleFields.model_fields), exclude_unset=True)
    if "conditions" in fields and fields["conditions"] is None:
        fields["conditions"] = {}
    return {k: v for k, v in fields.items()
            if v is not None or k in ("team_id", "priority", "conditions")}


async def teams(call: Call, _: NoInput) -> dict[str, object]:
    return {"teams": await list_teams(call.desk.db)}


async def create_team(call: Call, data: NewTeam) -> dict[str, object]:
    return {"team": await do_create_team(call.desk.db, call.actor, data.name, data.auto_assign,
                                         data.capacity)}


async def change_team(call: Call, data: TeamChange) -> dict[str, object]:
    changes = data.model_dump(include={"name", "auto_assign", "capacity", "time_zone", "hours",
                                       "holiday_country", "holiday_subdivision"},
                              exclude_none=True)
    return {"team": await do_update_team(call.desk.db, call.actor, data.team_id, changes)}


async def set_member(call: Call, data: MemberFields) -> dict[str, object]:
    fields = data.model_dump(include={"supervisor", "capacity", "languages", "networks",
                                      "topics"}, exclude_unset=True)
    fields = {k: v for k, v in fields.items() if v is not None or k == "capacity"}
    return {"member": await do_set_member(call.desk.db, call.actor, data.team_id, data.user_id,
                                          fields)}


async def remove_member(call: Call, data: MemberRef) -> dict[str, object]:
    await do_remove_member(call.desk.db, call.actor, data.team_id, data.user_id)
    return {"removed": data.user_id}


async def rules(call: Call, _: NoInput) -> dict[str, object]:
    return {"rules": await list_rules(call.desk.db)}


async def create_rule(call: Call, data: NewRule) -> dict[str, object]:
    return {"rule": await do_create_rule(call.desk.db, call.actor, _rule_fields(data))}


async def change_rule(call: Call, data: RuleChange) -> dict[str, object]:
    return {"rule": await do_update_rule(call.desk.db, call.actor, data.rule_id,
                                         _rule_fields(data))}


async def delete_rule(call: Call, data: RuleRef) -> dict[str, object]:
    await do_delete_rule(call.desk.db, call.actor, data.rule_id)
    return {"deleted": data.rule_id}


async def availability(call: Call, _: NoInput) -> dict[str, object]:
    return {"people": await list_availability(call.desk.db)}


async def set_availability(call: Call, data: AvailabilityInput) -> dict[str, object]:
    await do_set_availability(call.desk.db, call.actor, data.state)
    return {"state": data.state}


async def policies(call: Call, _: NoInput) -> dict[str, object]:
    return {"policies": await list_policies(call.desk.db)}


async def create_policy(call: Call, data: NewPolicy) -> dict[str, object]:
    return {"policy": await do_create_policy(call.desk.db, call.actor, data.model_dump())}


async def delete_policy(call: Call, data: PolicyRef) -> dict[str, object]:
    await do_delete_policy(call.desk.db, call.actor, data.policy_id)
    return {"deleted": data.policy_id}


TEAM = "/api/teams/{team_id}"
MEMBER = "/api/teams/{team_id}/members/{user_id}"
RULE = "/api/routing-rules/{rule_id}"
COMMANDS = [
    Command("team.list", NoInput, teams, "Every team with its members and their skills.",
            permission="thread.view", result=Teams, rest=Rest("GET", "/api/teams"),
            tags=("routing",)),
    Command("team.create", NewTeam, create_team, "Add a team.", permission="admin.routing",
            result=TeamAnswer, rest=Rest("POST", "/api/teams", status=201),
            errors=(Conflict,), tags=("routing",)),
    Command("team.update", TeamChange, change_team,
            "Rename a team, switch its automatic assignment, set its capacity.",
            permission="admin.routing", result=TeamAnswer, rest=Rest("PATCH", TEAM),
            errors=(NotFound, Conflict), tags=("routing",)),
    Command("team.member_set", MemberFields, set_member,
            "Put a person in a team, or change their capacity, skills or supervisor role.",
            permission="admin.routing", result=MemberAnswer, rest=Rest("PUT", MEMBER),
            errors=(NotFound,), tags=("routing",)),
    Command("team.member_remove", MemberRef, remove_member, "Take a person out of a team.",
            permission="admin.routing", result=Removed, rest=Rest("DELETE", MEMBER),
            errors=(NotFound,), tags=("routing",)),
    Command("rule.list", NoInput, rules, "The routing rules in the order they are tried.",
            permission="admin.routing", result=Rules, rest=Rest("GET", "/api/routing-rules"),
            tags=("routing",)),
    Command("rule.create", NewRule, create_rule,
            "Add a routing rule: conditions on a new thread, and the team, priority and tags "
            "it gives.", permission="admin.routing", result=RuleAnswer,
            rest=Rest("POST", "/api/routing-rules", status=201), errors=(NotFound,),
            tags=("routing",)),
    Command("rule.update", RuleChange, change_rule, "Change a routing rule.",
            permission="admin.routing", result=RuleAnswer, rest=Rest("PATCH", RULE),
            errors=(NotFound,), tags=("routing",)),
    Command("rule.delete", RuleRef, delete_rule, "Delete a routing rule.",
            permission="admin.routing", result=Deleted, rest=Rest("DELETE", RULE),
            errors=(NotFound,), tags=("routing",)),
    Command("sla.list", NoInput, policies, "The service-level policies, in the order tried.",
            permission="admin.routing", result=SlaPolicies, rest=Rest("GET", "/api/sla-policies"),
            tags=("routing",)),
    Command("sla.create", NewPolicy, create_policy,
            "Add a service-level policy: first response, next response and resolution in "
            "minutes of the team's working time.", permission="admin.routing",
            result=SlaPolicyAnswer, rest=Rest("POST", "/api/sla-policies", status=201),
            errors=(NotFound,), tags=("routing",)),
    Command("sla.delete", PolicyRef, delete_policy, "Delete a service-level policy.",
            permission="admin.routing", result=Deleted,
            rest=Rest("DELETE", "/api/sla-policies/{policy_id}"), errors=(NotFound,),
            tags=("routing",)),
    Command("availability.list", NoInput, availability,
            "Everyone's availability: online, away, busy or offline.",
            permission="thread.view", result=Availabilities,
            rest=Rest("GET", "/api/availability"), tags=("routing",)),
    Command("availability.set", AvailabilityInput, set_availability,
            "Say whether you take new work: online, away, busy or offline.",
            permission="thread.claim", result=AvailabilityAnswer,
            rest=Rest("PUT", "/api/me/availability"), tags=("routing",)),
]
