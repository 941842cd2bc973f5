"""server/queries/templates.py: searching templates and filling one in for a thread."""

from __future__ import annotations

import pytest

from server.errors import Invalid, NotFound
from server.queries.templates import fill, render_template, search_templates
from tests.support.inprocess import InProcessDesk


async def make(desk: InProcessDesk, **fields: object) -> int:
    made = await desk.ok(desk.supervisor, "POST", "/api/templates", json=fields)
    return made["template"]["id"]


async def test_search_finds_name_text_and_tags_holding_statements_first(
    desk: InProcessDesk
) -> None:
    await make(desk, name="Apology", language="en", body="We are sorry", tags=["refund"])
    await make(desk, name="Outage", language="en", body="We know", holding_statement=True)
    await make(desk, name="Apology", language="de", body="Entschuldigung")

    found = await search_templates(desk.db)
    assert [(t["name"], t["language"]) for t in found] == [
        ("Outage", "en"), ("Apology", "de"), ("Apology", "en")]
    assert [t["name"] for t in await search_templates(desk.db, q="REFUND")] == ["Apology"]
    assert [t["language"] for t in await search_templates(desk.db, q="sorry")] == ["en"]
    assert [t["name"] for t in await search_templates(desk.db, holding=True)] == ["Outage"]
    assert [t["language"] for t in await search_templates(desk.db, language="de")] == ["de"]
    listed = await desk.ok(desk.viewer, "GET", "/api/templates", params={"holding": "false"})
    assert len(listed["templates"]) == 2


async def test_rendering_fills_in_the_thread_and_picks_the_language(desk: InProcessDesk) -> None:
    english = await make(desk, name="Hi", language="en",
                         body="Hi {customer_name}, {agent_name} here on {network}")
    await make(desk, name="Hi", language="de", body="Hallo {customer_name}")
    card = await desk.post(author={"id": "k", "name": "Klara"})
    agent = await desk.actor(desk.agent)
    settings = desk.desk.settings

    done = await render_template(desk.db, settings, agent, english, card["id"])
    assert done["text"] == f"Hi Klara, {desk.agent.name} here on webhook"
    german = await render_template(desk.db, settings, agent, english, card["id"], "de")
    assert (german["language"], german["text"]) == ("de", "Hallo Klara")
    with pytest.raises(NotFound):
        await render_template(desk.db, settings, agent, english, 99999)
    with pytest.raises(NotFound):
        await render_template(desk.db, settings, agent, 99999, None)


def test_fill_refuses_unknown_variables_and_keeps_known_ones_without_a_value() -> None:
    assert fill("{customer_name} {date} {customer_name}", {"customer_name": "x"}) == "x {date} x"
    with pytest.raises(Invalid) as refused:
        fill("{customer_name} {unknown}", {"customer_name": "x"})
    assert refused.value.params["unknown"] == "{unknown}"
