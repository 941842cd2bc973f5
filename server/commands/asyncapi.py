"""The AsyncAPI 3 document of the live side, generated from the command and event registries.

From the desk's point of view: it receives every socket command (answered with an ack) and
sends event batches, `head` marks, presence and the drafts' Yjs relays. Payload schemas are
the commands' input models, the results, and the typed events (server/events).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.commands.openapi import ERROR_SCHEMA
from server.commands.registry import Registry
from server.events import EVENT_TYPES

REF = "#/components/schemas/{model}"
CHANNEL = {"$ref": "#/channels/desk"}


def _message(name: str, summary: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "summary": summary, "contentType": "application/json",
            "payload": payload}


def _ack(result: dict[str, Any] | None) -> dict[str, Any]:
    done: dict[str, Any] = {"type": "object", "required": ["ok"],
                            "properties": {"ok": {"const": True}}}
    if result is not None:
        done = {"allOf": [done, result]}
    refused = {"type": "object", "required": ["ok", "error"], "properties": {
        "ok": {"const": False}, "error": ERROR_SCHEMA["properties"]["error"]}}
    return {"oneOf": [done, refused]}


def asyncapi_document(registry: Registry, base_url: str, version: str) -> dict[str, Any]:
    socket = [c for c in registry if c.socket]
    models: list[tuple[type[BaseModel], Any]] = [(c.input, "validation") for c in socket]
    models += [(c.result, "serialization") for c in socket if c.result is not None]
    models += [(event, "serialization") for event in EVENT_TYPES.values()]
    refs, top = models_json_schema(models, ref_template=REF)
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for command in socket:
        key = command.name.replace(".", "_")
        payload = refs[(command.input, "validation")]
        result = refs[(command.result, "serialization")] if command.result else None
        messages[key] = _message(command.name, command.summary, payload)
        messages[f"{key}_ack"] = _message(f"{command.name} ack", "The acknowledgement.",
                                          _ack(result))
        operations[key] = {
            "action": "receive", "channel": CHANNEL, "summary": command.summary,
            "messages": [{"$ref": f"#/channels/desk/messages/{key}"}],
            "reply": {"channel": CHANNEL,
                      "messages": [{"$ref": f"#/channels/desk/messages/{key}_ack"}]},
            "x-permission": list(command.permissions),
            "x-binary": command.binary,
        }
    event_schemas = [
        {"type": "object", "required": ["seq", "type", "payload"], "properties": {
            "seq": {"type": "integer"}, "type": {"const": event_type},
            "thread_id": {"type": ["integer", "null"]},
            "payload": refs[(model, "serialization")],
            "card_in": {"type": "integer",
                        "description": "cards=newest: the event of this batch with the card"},
        }} for event_type, model in sorted(EVENT_TYPES.items())]
    messages["events"] = _message("events", "A batch of committed events, in seq order.", {
        "type": "object", "required": ["events", "upto"], "properties": {
            "events": {"type": "array", "items": {"oneOf": event_schemas}},
            "upto": {"type": "integer", "description": "remember this, not the last seq"}}})
    messages["head"] = _message("head", "How far the desk has sent you: resume if above.", {
        "type": "object", "required": ["seq"], "properties": {"seq": {"type": "integer"}}})
    messages["presence"] = _message("presence", "Who looks at or types in a thread.", {
        "type": "object", "properties": {"thread_id": {"type": "integer"},
                                         "viewers": {"type": "array"},
                                         "typing": {"type": "array"}}})
    messages["me"] = _message("me", "Your role changed: later commands are judged by it.", {
        "type": "object", "required": ["id", "role", "permissions"], "properties": {
            "id": {"type": "integer"}, "role": {"type": "string"},
            "permissions": {"type": "array", "items": {"type": "string"}}}})
    for relay in ("draft.update", "draft.awareness"):
        messages[relay.replace(".", "_") + "_relay"] = _message(
            relay, "Another editor's Yjs bytes for this draft.", {
                "type": "object", "properties": {"thread_id": {"type": "integer"},
                                                 "update": {"type": "string",
                                                            "contentEncoding": "binary"}}})
    for pushed in ("events", "head", "presence", "me", "draft_update_relay",
                   "draft_awareness_relay"):
        operations[f"send_{pushed}"] = {
            "action": "send", "channel": CHANNEL,
            "messages": [{"$ref": f"#/channels/desk/messages/{pushed}"}]}
    address = urlsplit(base_url)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Tandem desk live protocol", "version": version,
                 "description": "Socket.IO 5 (Engine.IO 4, websocket transport only) at "
                                "/socket.io/: commands with acknowledgements, and the event "
                                "stream with sequence numbers and resume (docs/realtime.md)."},
        "servers": {"desk": {
            "host": address.netloc, "pathname": "/socket.io/",
            "protocol": "wss" if address.scheme == "https" else "ws",
            "description": "Authenticate with the session cookie or auth: {token}."}},
        "channels": {"desk": {"address": "/", "messages": messages}},
        "operations": operations,
        "components": {"schemas": top.get("$defs", {})},
    }
