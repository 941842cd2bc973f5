"""server/actions/templates.py: canned replies, one per name and language."""

from __future__ import annotations

import pytest

from server.actions.templates import check_fields
from server.errors import Invalid
from server.models import Template
from tests.support.inprocess import InProcessDesk


async def test_a_template_is_stored_with_clean_tags_and_its_variables(
    desk: InProcessDesk
) -> None:
    made = await desk.ok(desk.marketer, "POST", "/api/templates", json={
        "name": " Greeting ", "language": "de", "body": "Hallo {customer_name}, {agent_name}",
        "tags": ["Welcome", "welcome ", "Hi"]})

    template = made["template"]
    assert (template["name"], template["tags"]) == ("Greeting", ["hi", "welcome"])
    assert template["variables"] == ["agent_name", "customer_name"]
    assert template["updated_by"] == desk.marketer.name
    async with desk.db.read() as session:
        row = await session.get(Template, template["id"])
    assert row is not None and row.updated_by_id == desk.marketer.id
    assert [a.detail["name"] for a in await desk.audits("template.create")] == ["Greeting"]


async def test_a_second_template_of_one_name_and_language_is_refused(
    desk: InProcessDesk
) -> None:
    fields = {"name": "Greeting", "language": "en", "body": "Hello"}
    await desk.ok(desk.supervisor, "POST", "/api/templates", json=fields)

    error = await desk.refuses(desk.supervisor, "POST", "/api/templates", 409, "conflict",
                               json=fields)

    assert error["name"] == "Greeting"
    await desk.ok(desk.supervisor, "POST", "/api/templates", json={**fields, "language": "de"})


async def test_changing_and_deleting(desk: InProcessDesk) -> None:
    made = (await desk.ok(desk.supervisor, "POST", "/api/templates",
                          json={"name": "Sorry", "language": "en", "body": "Sorry"}))["template"]
    path = f"/api/templates/{made['id']}"

    changed = await desk.ok(desk.supervisor, "PATCH", path, json={"body": "We are sorry."})
    assert changed["template"]["body"] == "We are sorry."
    assert changed["template"]["name"] == "Sorry"
    await desk.refuses(desk.agent, "DELETE", path, 403, "forbidden")

    await desk.ok(desk.supervisor, "DELETE", path)
    await desk.refuses(desk.supervisor, "DELETE", path, 404, "not_found")
    await desk.refuses(desk.supervisor, "PATCH", path, 404, "not_found", json={"body": "x"})


def test_the_fields_are_checked_before_anything_is_written() -> None:
    assert check_fields({"name": "a", "language": "en", "body": "b"}).holding_statement is False
    for bad in ({"name": "", "language": "en", "body": "b"},
                {"name": "a", "language": "fr", "body": "b"},
                {"name": "a", "language": "en", "body": " "},
                {"name": "a", "language": "en", "body": "b", "tags": "x"},
                {"name": "a", "language": "en", "body": "b", "holding_statement": "yes"}):
        with pytest.raises(Invalid):
            check_fields(bad)
