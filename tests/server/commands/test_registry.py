"""server/commands/: the registry's checks, in order: the caller, the permission, then the
input (bounded, strict, the failing field named), then the action."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import ValidationError

from server.commands import Command, Registry
from server.commands.inputs import MAX_INT, Chars, CommandInput, Id, invalid_from
from server.errors import Forbidden, Invalid
from tests.support.inprocess import InProcessDesk


async def test_the_permission_is_checked_before_the_input_is_read(desk: InProcessDesk) -> None:
    # A viewer learns nothing about the input from the answer: no field is named.
    error = await desk.refuses(desk.viewer, "POST", "/api/threads/abc/claim", 403, "forbidden")
    assert error["permission"] == "thread.claim"
    with pytest.raises(Forbidden):
        await desk.invoke(desk.viewer, "claim", {"thread_id": "not even a number"})
    await desk.refuses(None, "GET", "/api/threads/1", 401, "unauthenticated")


@pytest.mark.parametrize(("body", "field"), [
    ({"text": ""}, "text"),
    ({"text": "x" * 5001}, "text"),
    ({"text": "nul \x00 inside"}, "text"),
    ({"text": 5}, "text"),
    ({}, "text"),
])
async def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
    desk: InProcessDesk, body: dict[str, object], field: str
) -> None:
    card = await desk.post()

    error = await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/notes", 400,
                               "invalid", json=body)

    assert error["message"].startswith(field)


@pytest.mark.parametrize(("path", "json", "field"), [
    ("/api/threads/0/claim", None, "thread_id"),
    (f"/api/threads/{MAX_INT + 1}/claim", None, "thread_id"),
    ("/api/threads/abc/claim", None, "thread_id"),
    ("/api/threads/1/claim", {"take_over": "yes"}, "take_over"),  # strict: no "yes" for true
    ("/api/threads/1/assign", {"user_id": "5"}, "user_id"),  # nor "5" for 5
])
async def test_ids_and_flags_are_strict_and_bounded(
    desk: InProcessDesk, path: str, json: dict[str, object] | None, field: str
) -> None:
    error = await desk.refuses(desk.supervisor, "POST", path, 400, "invalid", json=json)
    assert error["message"].startswith(field)


async def test_query_strings_are_read_as_text_and_bounded_alike(desk: InProcessDesk) -> None:
    for params, field in (({"limit": "abc"}, "limit"), ({"limit": "5001"}, "limit"),
                          ({"status": "shut"}, "status"), ({"mine": "maybe"}, "mine")):
        error = await desk.refuses(desk.agent, "GET", "/api/threads", 400, "invalid",
                                   params=params)
        assert error["message"].startswith(field), error
    # "" and "any" mean "not given", as in a form; unknown keys are ignored.
    assert (await desk.ok(desk.agent, "GET", "/api/threads",
                          params={"mine": "any", "q": "", "colour": "red"}))["threads"] == []


async def test_a_body_that_is_not_a_json_object_is_refused(desk: InProcessDesk) -> None:
    card = await desk.post()
    for content in (b"[1, 2]", b"{not json"):
        response = await desk.http.post(f"/api/threads/{card['id']}/notes", content=content,
                                        headers={**desk.agent.headers,
                                                 "Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"


async def test_every_transport_gets_the_same_answer_from_one_declaration(
    desk: InProcessDesk
) -> None:
    card = await desk.post()
    over_rest = await desk.ok(desk.agent, "GET", f"/api/threads/{card['id']}")
    through_registry = await desk.invoke(desk.agent, "thread.get", {"thread_id": card["id"]})
    assert over_rest == through_registry


class Named(CommandInput):
    thread_id: Id
    title: Annotated[str, Chars(3, min_length=1)]


def test_a_refusal_names_the_first_field_with_its_limit() -> None:
    cases = {(): "thread_id is required.", ("thread_id", 0): "thread_id must be at least 1.",
             ("title", "four"): "title may have at most 3 characters.",
             ("title", ""): "title must not be empty."}
    for change, message in cases.items():
        data: dict[str, object] = {"thread_id": 1, "title": "ok"}
        if change:
            data[change[0]] = change[1]
        else:
            data = {}
        with pytest.raises(ValidationError) as error:
            Named.model_validate(data)
        invalid = invalid_from(error.value)
        assert isinstance(invalid, Invalid)
        assert invalid.message % invalid.params == message


def test_a_command_is_declared_once() -> None:
    async def run(*_: object) -> None:
        return None

    registry = Registry()
    registry.add(Command("a.thing", Named, run, "Does a thing.", permission=None))
    with pytest.raises(ValueError, match="declared twice"):
        registry.add(Command("a.thing", Named, run, "Again.", permission=None))
