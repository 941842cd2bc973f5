"""Outgoing webhooks: an admin subscribes URLs to event types, reads each one's delivery
log and sends a delivery again."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from server.actions.hooks import MAX_URL, do_send_again, do_subscribe, do_unsubscribe
from server.commands.hook_results import HookList, HookLog, HookMade, HookQueued
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import Empty
from server.errors import NotFound
from server.events.base import EVENT_TYPES
from server.queries.hooks import delivery_log, subscription_json, subscriptions

HOOKS = "/api/hooks"


class SubscribeInput(CommandInput):
    url: Annotated[str, Chars(MAX_URL)]
    event_types: list[Annotated[str, Chars(64)]] = Field(max_length=100)


class HookRef(CommandInput):
    hook_id: Id


class DeliveryRef(CommandInput):
    delivery_id: Id


async def subscribe(call: Call, data: SubscribeInput) -> dict[str, object]:
    row, secret = await do_subscribe(call.desk.db, call.desk.box, call.actor, data.url,
                                     list(data.event_types))
    return {**subscription_json(row), "secret": secret}


async def list_hooks(call: Call, _: NoInput) -> dict[str, object]:
    return {"hooks": await subscriptions(call.desk.db), "event_types": sorted(EVENT_TYPES)}


async def unsubscribe(call: Call, data: HookRef) -> dict[str, object]:
    await do_unsubscribe(call.desk.db, call.actor, data.hook_id)
    return {}


async def deliveries(call: Call, data: HookRef) -> dict[str, object]:
    return {"deliveries": await delivery_log(call.desk.db, data.hook_id)}


async def send_again(call: Call, data: DeliveryRef) -> dict[str, object]:
    delivery = await do_send_again(call.desk.db, call.actor, data.delivery_id)
    return {"id": delivery.id, "status": "queued"}


COMMANDS = [
    Command("hook.subscribe", SubscribeInput, subscribe,
            "Subscribe a URL to event types; its signing secret is shown once.",
            permission="admin.hooks", result=HookMade, rest=Rest("POST", HOOKS, status=201),
            tags=("administration",)),
    Command("hook.list", NoInput, list_hooks,
            "The webhook subscriptions, and the event types there are.",
            permission="admin.hooks", result=HookList, rest=Rest("GET", HOOKS),
            tags=("administration",)),
    Command("hook.unsubscribe", HookRef, unsubscribe,
            "End a subscription; deliveries still waiting are dropped, its log is kept.",
            permission="admin.hooks", result=Empty, rest=Rest("DELETE", HOOKS + "/{hook_id}"),
            errors=(NotFound,), tags=("administration",)),
    Command("hook.deliveries", HookRef, deliveries,
            "A subscription's newest deliveries, each with its attempts and the answers.",
            permission="admin.hooks", result=HookLog,
            rest=Rest("GET", HOOKS + "/{hook_id}/deliveries"), errors=(NotFound,),
            tags=("administration",)),
    Command("hook.send_again", DeliveryRef, send_again,
            "Send a delivery again, under the same idempotency key.",
            permission="admin.hooks", result=HookQueued,
            rest=Rest("POST", HOOKS + "/deliveries/{delivery_id}/send-again"),
            errors=(NotFound,), tags=("administration",)),
]
