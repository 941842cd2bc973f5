"""Commands for the desk-wide switches: crisis mode, the approval policy, and what a sent
reply does to the thread's status."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from server.actions.after_reply import after_reply, do_set_after_reply
from server.actions.reply_policy import (
    MAX_CRISIS_MESSAGE,
    MAX_RULES,
    approval_policy,
    crisis_state,
    do_set_crisis,
    do_set_policy,
)
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import AfterReplyAnswer, CrisisAnswer, PolicyAnswer


class CrisisInput(CommandInput):
    on: bool
    message: Annotated[str, Chars(MAX_CRISIS_MESSAGE)] = Field(
        "", description="shown on every board")


class PolicyDefault(CommandInput):
    public: bool = True
    private: bool = False


class PolicyRule(CommandInput):
    model_config = ConfigDict(extra="forbid")

    network: Annotated[str, Chars(32)] | None = None
    team_id: Id | None = None
    role: Annotated[str, Chars(64)] | None = None
    visibility: Literal["public", "private"] | None = None
    require: bool


class Policy(CommandInput):
    default: PolicyDefault = PolicyDefault()
    rules: list[PolicyRule] = Field(default_factory=list, max_length=MAX_RULES,
                                    description="the first matching rule decides")
    corrections: Literal["author", "approver"] = Field(
        "author", description="who confirms a text an approver corrected before it goes out: "
        "an author of the reply, or a second approver")


class PolicyInput(Policy):
    # Clients send {"policy": {...}} (as the socket command always did) or the policy itself.
    policy: Policy | None = None


class AfterReplyInput(CommandInput):
    status: Literal["open", "waiting", "resolved", "pending"] = Field(
        description="open: the thread stays open; pending: the former name of waiting")


async def get_after_reply(call: Call, _: NoInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        return {"status": await after_reply(session)}


async def set_after_reply(call: Call, data: AfterReplyInput) -> dict[str, object]:
    return {"status": await do_set_after_reply(call.desk.db, call.actor, data.status)}


async def crisis(call: Call, _: NoInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        return {"crisis": (await crisis_state(session)).as_json()}


async def set_crisis(call: Call, data: CrisisInput) -> dict[str, object]:
    state = await do_set_crisis(call.desk.db, call.actor, data.on, data.message)
    return {"crisis": state.as_json()}


async def policy(call: Call, _: NoInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        return {"policy": await approval_policy(session)}


async def set_policy(call: Call, data: PolicyInput) -> dict[str, object]:
    chosen: Policy = data.policy or data
    raw = chosen.model_dump(include={"default", "rules", "corrections"}, exclude_none=True)
    return {"policy": await do_set_policy(call.desk.db, call.actor, raw)}


COMMANDS = [
    Command("crisis.get", NoInput, crisis, "Whether crisis mode is on, since when, by whom.",
            permission="thread.view", result=CrisisAnswer, rest=Rest("GET", "/api/crisis"),
            tags=("desk",)),
    Command("crisis.set", CrisisInput, set_crisis,
            "Switch crisis mode: while on, every public reply needs approval.",
            permission="crisis.toggle", result=CrisisAnswer, rest=Rest("POST", "/api/crisis"),
            tags=("desk",)),
    # Readable by everyone on the board: an agent may see whether a reply will need approval.
    Command("policy.get", NoInput, policy, "The approval policy.",
            permission="thread.view", result=PolicyAnswer,
            rest=Rest("GET", "/api/approval-policy"), tags=("desk",)),
    Command("policy.set", PolicyInput, set_policy,
            "Replace the approval policy: a default per visibility and ordered rules.",
            permission="crisis.toggle", result=PolicyAnswer,
            rest=Rest("PUT", "/api/approval-policy"), tags=("desk",)),
    Command("after_reply.get", NoInput, get_after_reply,
            "The status an open thread moves to when a reply to it is sent.",
            permission="thread.view", result=AfterReplyAnswer,
            rest=Rest("GET", "/api/after-reply"), tags=("desk",)),
    Command("after_reply.set", AfterReplyInput, set_after_reply,
            "Choose the status an open thread moves to when a reply to it is sent: pending "
            "(the default), resolved (which also releases the claim) or open (no change).",
            permission="crisis.toggle", result=AfterReplyAnswer,
            rest=Rest("PUT", "/api/after-reply"), tags=("desk",)),
]
