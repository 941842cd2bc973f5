"""Templates: managed with template.manage, searched, rendered per language with variables."""

from __future__ import annotations

import asyncio
import secrets

from sqlalchemy import update

from server.db import Database
from server.models import Template
from server.settings import async_database_url
from tests.replies.desk import conversation, reply_channel
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.servers import DeskServer


def test_templates_render_their_variables_in_the_language_asked_for(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    supervisor, agent = api.person("supervisor"), api.person(name="Jana Berger")
    name = "greeting-" + secrets.token_hex(3)
    english = api.call(supervisor, "POST", "/api/templates", json={
        "name": name, "language": "en", "tags": ["Greeting"],
        "body": "Hi {customer_name}, {agent_name} here from {network}. See {thread_link}",
    })
    german = api.call(supervisor, "POST", "/api/templates", json={
        "name": name, "language": "de",
        "body": "Hallo {customer_name}, hier ist {agent_name}. Bis {date}.",
    })
    assert english.status_code == 201, english.text
    assert german.status_code == 201, german.text
    talk = conversation(api, reply_channel(api, network), agent, "Hallo zusammen")
    customer = api.thread_by_text(agent, "Hallo zusammen")["author"]["name"]

    de = api.call(agent, "POST", f"/api/templates/{english.json()['template']['id']}/render",
                  json={"thread_id": talk.thread_id, "language": "de"}).json()
    en = api.call(agent, "POST", f"/api/templates/{english.json()['template']['id']}/render",
                  json={"thread_id": talk.thread_id}).json()

    assert de["language"] == "de"
    assert de["text"].startswith(f"Hallo {customer}, hier ist Jana Berger. Bis 2")
    assert en["text"] == (f"Hi {customer}, Jana Berger here from webhook. "
                          f"See {server.url}/threads/{talk.thread_id}")


def test_templates_are_searched_by_name_text_and_tag_and_managed_by_permission(
    api: DeskApi,
) -> None:
    manager, agent = api.person("marketing agent"), api.person()
    word = "Störung" + secrets.token_hex(3)
    made = api.call(manager, "POST", "/api/templates", json={
        "name": "holding-" + word, "language": "de", "holding_statement": True,
        "body": f"Wir wissen von der {word} und arbeiten daran.",
    })
    assert made.status_code == 201, made.text
    template_id = made.json()["template"]["id"]
    duplicate = api.call(manager, "POST", "/api/templates", json={
        "name": "holding-" + word, "language": "de", "body": "noch einmal"})
    refused = api.call(agent, "POST", "/api/templates",
                       json={"name": "x", "language": "de", "body": "y"})

    found = api.call(agent, "GET", "/api/templates", params={"q": word.lower()}).json()
    holding = api.call(agent, "GET", "/api/templates",
                       params={"q": word, "holding": "true"}).json()

    assert duplicate.status_code == 409
    assert refused.status_code == 403
    assert [t["id"] for t in found["templates"]] == [template_id]
    assert holding["templates"][0]["holding_statement"] is True
    changed = api.call(manager, "PATCH", f"/api/templates/{template_id}",
                       json={"body": "Neu: {customer_name}"})
    assert changed.json()["template"]["variables"] == ["customer_name"]
    assert api.call(agent, "DELETE", f"/api/templates/{template_id}").status_code == 403
    assert api.call(manager, "DELETE", f"/api/templates/{template_id}").status_code == 200
    assert api.call(agent, "GET", "/api/templates", params={"q": word}).json()["templates"] == []


def test_unknown_variables_are_refused_when_saving_and_when_rendering(
    server: DeskServer, api: DeskApi
) -> None:
    manager = api.person("supervisor")
    name = "thanks-" + secrets.token_hex(3)
    made = api.call(manager, "POST", "/api/templates", json={
        "name": name, "language": "en", "body": "Thanks, {customer_name}!"})
    assert made.status_code == 201, made.text
    template_id = made.json()["template"]["id"]

    typo = api.call(manager, "POST", "/api/templates", json={
        "name": name, "language": "de", "body": "Danke, {custmer_name} und {Name}!"})
    changed = api.call(manager, "PATCH", f"/api/templates/{template_id}",
                       json={"body": "Thanks, {first_name}!"})

    for refused in (typo, changed):
        assert refused.status_code == 400, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["name"]) == ("invalid", "body")
        assert "{customer_name}" in error["known"] and "{thread_link}" in error["known"]
    assert typo.json()["error"]["unknown"] == "{Name}, {custmer_name}"
    german = api.call(manager, "GET", "/api/templates", params={"q": name, "language": "de"})
    assert german.json()["templates"] == []

    # A template stored before the check (or written to the database by hand) still never
    # reaches a customer with a variable nobody fills in.
    async def corrupt() -> None:
        db = Database(async_database_url(server.env["TANDEM_DATABASE_URL"]))
        try:
            async with db.write() as tx:
                await tx.session.execute(update(Template).where(Template.id == template_id)
                                         .values(body="Thanks, {first_name}!"))
        finally:
            await db.dispose()

    asyncio.run(corrupt())
    rendered = api.call(manager, "POST", f"/api/templates/{template_id}/render", json={})
    assert rendered.status_code == 400, rendered.text
    assert rendered.json()["error"]["unknown"] == "{first_name}"
