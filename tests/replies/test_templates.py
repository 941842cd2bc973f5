"""Templates: managed with template.manage, searched, rendered per language with variables."""

from __future__ import annotations

import secrets

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
        "body": "Hallo {customer_name}, hier ist {agent_name}. {unknown} bleibt.",
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
    assert de["text"] == f"Hallo {customer}, hier ist Jana Berger. {{unknown}} bleibt."
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
