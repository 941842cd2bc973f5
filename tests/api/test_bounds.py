"""Every input is bounded by its command's model, on every transport: a value past a bound
(an id of 2^31, a text one character too long, a NUL, a lone surrogate) is refused with
400 `invalid` naming the field, and nothing changes.

The cases are generated from the published schemas, so a new command is covered the day
it is declared.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import socketio

from tests.api.conftest import ApiDesk
from tests.api.test_authorization import counts

PARAMETER = re.compile(r"\{(\w+)\}")


def plain(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The non-null alternative of a field's schema, references followed."""
    if "$ref" in spec:
        spec = defs[spec["$ref"].rsplit("/", 1)[-1]]
    options = [o for o in spec.get("anyOf", [spec]) if o.get("type") != "null"]
    return options[0] if options else spec


def valid(spec: dict[str, Any]) -> Any:
    """Some value inside the field's bounds."""
    if "const" in spec:
        return spec["const"]
    if spec.get("format") == "binary":
        return b"\x00"
    if "enum" in spec:
        return spec["enum"][0]
    kind = spec.get("type")
    if kind == "integer":
        return max(spec.get("minimum", 1), 1)
    if kind == "string":
        return "x" * max(spec.get("minLength", 1), 1)
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    return {}


def beyond(spec: dict[str, Any]) -> list[Any]:
    """Values just past the field's bounds, and characters no database stores."""
    kind = spec.get("type")
    if spec.get("format") == "binary":
        return [b"\x00" * (spec["maxLength"] + 1), "text, not bytes"]
    if kind == "integer" and "maximum" in spec:
        return [spec["maximum"] + 1, 2**63]
    if kind == "string" and "maxLength" in spec:
        return ["x" * (spec["maxLength"] + 1), "a\u0000b", "a\ud800b"]
    return []


def cases(schema: dict[str, Any], defs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(field, input) pairs: every required field valid, one field out of bounds."""
    properties = schema.get("properties", {})
    base = {name: valid(plain(spec, defs)) for name, spec in properties.items()
            if name in schema.get("required", [])}
    made = []
    for name, spec in properties.items():
        field = plain(spec, defs)
        for value in beyond(field):
            made.append((name, {**base, name: value}))
        # One level down: objects, and lists of objects (a policy's rules).
        if field.get("type") == "array":
            inner = plain(field.get("items", {}), defs)
            made += [(f"{name}.0.{sub}", {**base, name: [data]})
                     for sub, data in cases(inner, defs) if "." not in sub]
        elif "properties" in field:
            made += [(f"{name}.{sub}", {**base, name: data})
                     for sub, data in cases(field, defs) if "." not in sub]
    return made


def rest_cases(document: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    defs = document["components"]["schemas"]
    found = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if "x-permission" not in operation:
                continue
            fields: dict[str, Any] = {"properties": {}, "required": []}
            for parameter in operation.get("parameters", []):
                fields["properties"][parameter["name"]] = parameter["schema"]
                if parameter["required"]:
                    fields["required"].append(parameter["name"])
            body = operation.get("requestBody", {}).get("content", {}).get(
                "application/json", {}).get("schema", {})
            fields["properties"] |= body.get("properties", {})
            fields["required"] += body.get("required", [])
            for name, data in cases(fields, defs):
                if method in ("get", "delete") and "\ud800" in str(data[name]):
                    continue  # a URL carries UTF-8: a lone surrogate cannot be written in one
                found.append((operation["operationId"], method.upper(), template, name, data))
    return found


def send(desk: ApiDesk, method: str, template: str, data: dict[str, Any]) -> Any:
    in_path = PARAMETER.findall(template)
    path = template
    for name in in_path:
        path = path.replace(f"{{{name}}}", str(data[name]).replace("\u0000", "%00"))
    rest = {k: v for k, v in data.items() if k not in in_path}
    if method in ("GET", "DELETE"):
        return desk.api.http.request(method, path, headers=desk.api.admin, params=rest)
    # json.dumps keeps a lone surrogate as the escape \ud800, as a client's JSON would.
    return desk.api.http.request(method, path, content=json.dumps(rest),
                                 headers={**desk.api.admin, "Content-Type": "application/json"})


def test_rest_refuses_every_value_past_its_bound(api_desk: ApiDesk) -> None:
    document = api_desk.api.http.get("/openapi.json").json()
    before = counts(api_desk)

    wrong = []
    for name, method, template, field, data in rest_cases(document):
        answer = send(api_desk, method, template, data)
        error = answer.json().get("error", {})
        if answer.status_code != 400 or error.get("code") != "invalid" or (
                error.get("name") != field):
            wrong.append(f"{name} {field}={str(data[field])[:20]!r}: {answer.status_code} "
                         f"{error}")

    assert wrong == []
    assert counts(api_desk) == before


async def socket_refusals(desk: ApiDesk) -> list[str]:
    document = desk.api.http.get("/asyncapi.json").json()
    defs = document["components"]["schemas"]
    messages = document["channels"]["desk"]["messages"]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(desk.server.url, auth={"token": desk.admin_token},
                         transports=["websocket"], wait_timeout=10)
    wrong = []
    try:
        for operation in document["operations"].values():
            if operation["action"] != "receive":
                continue
            message = messages[operation["messages"][0]["$ref"].rsplit("/", 1)[-1]]
            schema = plain(message["payload"], defs)
            for field, data in cases(schema, defs):
                answer = await client.call(message["name"], data, timeout=10)
                error = answer.get("error") or {}
                if error.get("code") != "invalid" or error.get("name") != field:
                    wrong.append(f"{message['name']} {field}: {answer}")
    finally:
        await client.disconnect()
    return wrong


def test_socket_commands_refuse_every_value_past_its_bound(api_desk: ApiDesk) -> None:
    before = counts(api_desk)

    wrong = asyncio.run(socket_refusals(api_desk))

    assert wrong == []
    assert counts(api_desk) == before


def test_the_bounds_cases_reach_every_command(api_desk: ApiDesk) -> None:
    document = api_desk.api.http.get("/openapi.json").json()
    covered = {case[0] for case in rest_cases(document)}

    # Every command that takes an id or a text has a case; the rest take only flags/enums.
    assert {"claim", "assign", "update", "thread.list", "reply.approve", "template.render",
            "user.create", "user.update", "policy.set", "approvals.list", "reply.retry",
            "note.add", "template.create", "take_private"} <= covered
