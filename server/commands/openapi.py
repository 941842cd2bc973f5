"""The OpenAPI 3.1 document of the REST API, generated from the command registry.

Every command with a REST path becomes one operation: its path parameters and (for GET and
DELETE) query parameters or (otherwise) JSON body come from the input model, its answer
from the result model, its refusals from the desk's error shape. JSON Schema 2020-12, which
pydantic writes, is OpenAPI 3.1's own schema language, so the models' schemas go in as
they are. The few HTTP endpoints that are not commands (health, webhooks) are described by
hand below.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from server.commands.registry import Command, Registry

REF = "#/components/schemas/{model}"
PARAMETER = re.compile(r"\{(\w+)\}")
QUERY_METHODS = {"GET", "DELETE"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "stable, for programs: invalid, "
                     "unauthenticated, forbidden, csrf, not_found, conflict, claim_held, "
                     "four_eyes, unseen_messages, no_private_path, throttled, ..."},
            "message": {"type": "string", "description": "for people, in their language"},
            "name": {"type": "string", "description": "invalid: the field that failed"},
            "permission": {"type": "string", "description": "forbidden: what is lacking"},
            "retry_after": {"type": "integer",
                            "description": "throttled: seconds to wait (also Retry-After)"},
        },
        "additionalProperties": True,
    }},
}
# What any command may answer besides its result: refusals in the desk's error shape.
ERRORS = {
    "400": "Bad input (the field is named); nothing changed.",
    "401": "No or invalid credentials.",
    "403": "The caller's role lacks the permission (or, for a cookie, the CSRF token).",
    "404": "No such thread, approval, template, user or message.",
    "409": "The change collides with the current state (someone holds the thread, ...).",
    "413": "The request body is too large.",
    "429": "Too many requests; try again after Retry-After.",
}


Refs = dict[tuple[Any, str], dict[str, Any]]


def _schemas(registry: Registry) -> tuple[dict[str, Any], Refs]:
    models: list[tuple[type[BaseModel], Any]] = []
    for command in registry:
        if command.rest is None:
            continue
        models.append((command.input, "validation"))
        if command.result is not None:
            models.append((command.result, "serialization"))
    refs, top = models_json_schema(models, ref_template=REF)
    return top.get("$defs", {}), {key: ref for key, ref in refs.items()}


def _component(refs: Refs, model: type[BaseModel], mode: str) -> str:
    return refs[(model, mode)]["$ref"].rsplit("/", 1)[-1]


def _parameter(name: str, where: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    described = {"name": name, "in": where, "required": required, "schema": schema}
    if "description" in schema:
        described["description"] = schema["description"]
    return described


def _operation(command: Command, components: dict[str, Any], refs: Refs) -> dict[str, Any]:
    assert command.rest is not None
    rest = command.rest
    model = components[_component(refs, command.input, "validation")]
    properties: dict[str, Any] = model.get("properties", {})
    required = set(model.get("required", []))
    in_path = PARAMETER.findall(rest.path)
    parameters = [_parameter(n, "path", properties[n], True) for n in in_path]
    operation: dict[str, Any] = {
        "operationId": command.name,
        "summary": command.summary,
        "tags": list(command.tags),
        "x-permission": list(command.permissions),
        "security": _security(rest.method),
    }
    rest_fields = {n: s for n, s in properties.items() if n not in in_path}
    if rest.method in QUERY_METHODS:
        parameters += [_parameter(n, "query", s, n in required) for n, s in rest_fields.items()]
    else:
        body: dict[str, Any] = {"type": "object", "properties": rest_fields}
        body_required = sorted(required - set(in_path))
        if body_required:
            body["required"] = body_required
        operation["requestBody"] = {"required": bool(body_required), "content": {
            "application/json": {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    answer: dict[str, Any] = {"description": "Done."}
    if command.result is not None:
        answer["content"] = {"application/json": {
            "schema": refs[(command.result, "serialization")]}}
    responses = {str(rest.status): answer}
    for status, description in ERRORS.items():
        responses[status] = {"description": description, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation["responses"] = responses
    return operation


def _security(method: str) -> list[dict[str, list[str]]]:
    if method in QUERY_METHODS - {"DELETE"}:
        return [{"bearer": []}, {"session": []}]
    return [{"bearer": []}, {"session": [], "csrf": []}]


def openapi_document(registry: Registry, base_url: str, version: str) -> dict[str, Any]:
    components, refs = _schemas(registry)
    components["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for command in registry:
        if command.rest is not None:
            paths.setdefault(command.rest.path, {})[command.rest.method.lower()] = _operation(
                command, components, refs)
    for path, operations in OTHER_PATHS.items():
        paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tandem desk API",
            "version": version,
            "description": "Every command of the desk's board over HTTP: the same actions, "
                           "permission checks, audit rows and events as the live board. "
                           "Errors are JSON with a stable code (docs/api.md). The live side "
                           "(events, socket commands) is in /asyncapi.json.",
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
        "tags": [{"name": t} for t in dict.fromkeys(
            tag for c in registry if c.rest for tag in c.tags)] + [
            {"name": "health"}, {"name": "webhooks"}],
    }


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An API token: tandem token create --email E"},
    "session": {"type": "apiKey", "in": "cookie", "name": "tandem_session",
                "description": "The browser's sign-in session."},
    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
             "description": "With the session cookie, every change carries the page's "
                            "CSRF token."},
}

_CHANNEL_ID = {"name": "channel_id", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}}
_PLAIN = {"description": "Done.", "content": {"application/json": {"schema": {
    "type": "object"}}}}
# Webhook senders are networks, not the desk's clients: their refusals are one line of text.
_REFUSED = {"description": "Refused; nothing stored.", "content": {"application/json": {
    "schema": {"type": "object", "required": ["error"],
               "properties": {"error": {"type": "string"}}}}}}
_CHALLENGE = {"description": "The answer the network expects.", "content": {
    "application/json": {"schema": {"type": "object"}},
    "text/plain": {"schema": {"type": "string"}}}}
_WEBHOOK_ANSWERS = {"200": _PLAIN, "400": _REFUSED, "401": _REFUSED, "404": _REFUSED,
                    "413": _REFUSED, "415": _REFUSED, "429": _REFUSED, "503": _REFUSED}
_RAW_JSON = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}

OTHER_PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {"get": {"operationId": "healthz", "tags": ["health"], "security": [],
                         "summary": "The process runs.", "responses": {"200": _PLAIN}}},
    "/readyz": {"get": {"operationId": "readyz", "tags": ["health"], "security": [],
                        "summary": "The database (and Redis, where configured) answer.",
                        "responses": {"200": _PLAIN, "503": _PLAIN}}},
    "/webhooks/generic/{channel_id}": {"post": {
        "operationId": "webhook.generic", "tags": ["webhooks"], "security": [],
        "summary": "A signed item or batch from the generic webhook channel "
                   "(docs/webhooks.md): X-Tandem-Signature over the raw body.",
        "parameters": [_CHANNEL_ID], "requestBody": _RAW_JSON, "responses": _WEBHOOK_ANSWERS}},
    "/webhooks/{network}/{channel_id}": {
        "get": {"operationId": "webhook.handshake", "tags": ["webhooks"], "security": [],
                "summary": "The network's subscription check (Meta's hub.challenge, X's CRC, "
                           "WhatsApp's verify token).",
                "parameters": [{"name": "network", "in": "path", "required": True,
                                "schema": {"type": "string"}}, _CHANNEL_ID],
                "responses": {**_WEBHOOK_ANSWERS, "200": _CHALLENGE, "403": _REFUSED}},
        "post": {"operationId": "webhook.network", "tags": ["webhooks"], "security": [],
                 "summary": "A network's signed webhook (Meta, X, WhatsApp, Telegram), verified "
                            "before anything is read.",
                 "parameters": [{"name": "network", "in": "path", "required": True,
                                 "schema": {"type": "string"}}, _CHANNEL_ID],
                 "requestBody": _RAW_JSON, "responses": _WEBHOOK_ANSWERS}},
}
