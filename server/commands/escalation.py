"""Commands that move a conversation between a public thread and a private one."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.actions.escalation import do_back_to_public, do_take_private
from server.actions.replies import MAX_REPLY
from server.commands.inputs import Chars, CommandInput, Id
from server.commands.registry import Call, Command, Rest
from server.commands.results import Escalated, Returned
from server.errors import ClaimHeld, Conflict, NoPrivatePath, NotFound


class TakePrivateInput(CommandInput):
    thread_id: Id
    text: Annotated[str, Chars(MAX_REPLY, min_length=1)] = Field(
        description="the first private message")
    holding_reply: bool = Field(
        False, description="also answer publicly that a private message was sent")
    holding_text: Annotated[str, Chars(MAX_REPLY, min_length=1)] | None = Field(
        None, description="the public holding reply's words; default: the holding template "
        "in the customer's language")


class BackToPublicInput(CommandInput):
    thread_id: Id = Field(description="the private thread")
    text: Annotated[str, Chars(MAX_REPLY, min_length=1)] = Field(description="the public follow-up")
    resolve: bool = Field(True, description="resolve the private thread")


async def take_private(call: Call, data: TakePrivateInput) -> dict[str, object]:
    done = await do_take_private(call.desk.db, call.actor, data.thread_id, data.text,
                                 holding_reply=data.holding_reply, holding_text=data.holding_text,
                                 default_language=call.desk.settings.default_language)
    return done.as_json()


async def back_to_public(call: Call, data: BackToPublicInput) -> dict[str, object]:
    done = await do_back_to_public(call.desk.db, call.actor, data.thread_id, data.text,
                                   resolve=data.resolve)
    return done.as_json()


THREAD = "/api/threads/{thread_id}"
ESCALATE = ("thread.escalate", "reply.submit")
COMMANDS = [
    Command("take_private", TakePrivateInput, take_private,
            "Answer a public post through the network's private path (Meta's private reply, "
            "X's direct message), in a linked private thread.",
            permission=ESCALATE, result=Escalated, rest=Rest("POST", f"{THREAD}/take-private"),
            errors=(NotFound, NoPrivatePath, Conflict, ClaimHeld), tags=("escalation",)),
    Command("back_to_public", BackToPublicInput, back_to_public,
            "From a private thread, post a public follow-up on the thread it came from.",
            permission=ESCALATE, result=Returned, rest=Rest("POST", f"{THREAD}/back-to-public"),
            errors=(NotFound, Conflict, ClaimHeld), tags=("escalation",)),
]
