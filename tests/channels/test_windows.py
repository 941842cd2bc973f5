"""The desk refuses, with the reason, a message the network would refuse."""

from __future__ import annotations

from datetime import timedelta

from tests.fakes.desk import NetworkDesk
from tests.replies.desk import write_draft
from tests.support.desk_api import DeskApi, Person


def thread_with(api: DeskApi, person: Person, text: str) -> int:
    return api.thread_by_text(person, text)["id"]


async def test_no_messenger_reply_after_the_24_hour_window(network_desk: NetworkDesk) -> None:
    desk, fake, api = network_desk, network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = desk.meta_channel(page)
    agent = api.person()
    ina = fake.customer("Ina Vogt")
    desk.post_meta(channel, fake.message_webhook(page, ina, "Noch eine Frage zur Rechnung",
                                                 age=timedelta(hours=25)), page.app_secret)
    thread_id = thread_with(api, agent, "Noch eine Frage zur Rechnung")
    card = api.call(agent, "GET", f"/api/threads/{thread_id}").json()["thread"]
    assert card["message_window_until"] is not None
    await write_draft(desk.server.url, api, agent, thread_id, "Hallo Ina, gern helfen wir.")

    refused = api.call(agent, "POST", f"/api/threads/{thread_id}/reply/submit", json={})

    assert refused.status_code == 409
    assert "24 hours" in refused.json()["error"]["message"]
    assert fake.sent_of("message") == []
    reply = api.call(agent, "GET", f"/api/threads/{thread_id}/reply").json()["reply"]
    assert reply["state"] == "editing" and reply["text"] == "Hallo Ina, gern helfen wir."
