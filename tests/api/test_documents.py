"""/openapi.json, /asyncapi.json and /api/docs: generated from the registries, valid, complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from openapi_spec_validator import validate

from server.commands import desk_commands
from server.events import EVENT_TYPES
from server.permissions import DEFAULT_ROLES, PERMISSIONS
from tests.api.conftest import ApiDesk

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_SCHEMA = ROOT / "node_modules/@asyncapi/specs/schemas/3.0.0-without-$id.json"
SOCKET_ONLY = {"resume", "view", "unview", "typing"}


def test_openapi_is_valid_and_has_every_rest_command(api_desk: ApiDesk) -> None:
    response = api_desk.api.http.get("/openapi.json")

    document = response.json()
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    operations = {op["operationId"]: (method.upper(), path)
                  for path, item in document["paths"].items() for method, op in item.items()}
    for command in desk_commands():
        assert command.rest is not None, command.name
        assert operations[command.name] == (command.rest.method, command.rest.path)
    assert document["paths"]["/api/threads/{thread_id}/claim"]["post"]["x-permission"] == [
        "thread.claim"]
    assert set(document["components"]["securitySchemes"]) == {"bearer", "session", "csrf"}


def _unbounded(name: str, spec: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    """The fields of a JSON schema that a client could make as large as it likes."""
    if "$ref" in spec:
        spec = defs[spec["$ref"].rsplit("/", 1)[-1]]
    found = []
    for option in spec.get("anyOf", [spec]):
        kind = option.get("type")
        open_text = kind == "string" and not {"maxLength", "enum", "const"} & set(option)
        if open_text or (kind == "integer" and "maximum" not in option):
            found.append(name)
        elif kind == "array":
            if "maxItems" not in option:
                found.append(name)
            found += _unbounded(f"{name}[]", option.get("items", {}), defs)
        elif kind == "object" or "properties" in option:
            for field, inner in option.get("properties", {}).items():
                found += _unbounded(f"{name}.{field}", inner, defs)
    return found


def test_every_command_input_is_bounded() -> None:
    unbounded = []
    for command in desk_commands():
        schema = command.input.model_json_schema()
        unbounded += _unbounded(command.name, schema, schema.get("$defs", {}))

    assert unbounded == []


def test_asyncapi_is_valid_and_has_every_socket_command_and_event(api_desk: ApiDesk) -> None:
    document = api_desk.api.http.get("/asyncapi.json").json()

    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(document))
    assert errors == [], [e.message for e in errors[:5]]
    messages = document["channels"]["desk"]["messages"]
    names = {m["name"] for m in messages.values()}
    for command in desk_commands():
        assert command.name in names
    assert SOCKET_ONLY | {"draft.join", "draft.update"} <= names
    batch = messages["events"]["payload"]["properties"]["events"]["items"]["oneOf"]
    assert {e["properties"]["type"]["const"] for e in batch} == set(EVENT_TYPES)


def test_the_reference_page_is_served_in_both_languages(api_desk: ApiDesk) -> None:
    http = api_desk.api.http
    english = http.get("/api/docs", headers={"Accept-Language": "en"})
    german = http.get("/api/docs", headers={"Accept-Language": "de"})

    assert english.status_code == german.status_code == 200
    assert "API reference" in english.text and "API-Referenz" in german.text
    assert 'spec-url="/openapi.json"' in english.text
    script = http.get("/static/vendor/redoc.standalone.js")
    assert script.status_code == 200 and len(script.content) > 100_000


def test_the_roles_table_in_the_docs_is_the_desks() -> None:
    rows = [line.split("|")[1:-1] for line in (ROOT / "docs/permissions.md").read_text()
            .splitlines() if line.startswith("| `")]
    header = next(line for line in (ROOT / "docs/permissions.md").read_text().splitlines()
                  if line.startswith("| permission"))
    roles = [cell.strip() for cell in header.split("|")[3:-1]]

    table = {role: sorted(row[0].strip(" `") for row in rows if row[2 + n].strip() == "yes")
             for n, role in enumerate(roles)}
    assert table == {role: sorted(found) for role, found in DEFAULT_ROLES.items()}
    assert {row[0].strip(" `") for row in rows} == set(PERMISSIONS)
