"""A held reply is still waiting: the card says so, and the queue shows what it answers."""

from __future__ import annotations

from tests.replies.desk import (
    conversation,
    customer_writes,
    newest_message,
    post,
    reply_channel,
    submit,
    write_draft,
)
from tests.support.desk_api import DeskApi, Person
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.servers import DeskServer


def awaiting(api: DeskApi, person: Person, thread_id: int) -> bool:
    return api.call(person, "GET", f"/api/threads/{thread_id}").json()["thread"][
        "awaiting_approval"]


async def test_a_held_reply_keeps_the_badge_and_the_queue_shows_the_message_answered(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, supervisor = api.person(), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent,
                        "Mein Paket ist seit einer Woche unterwegs")
    await write_draft(server.url, api, agent, talk.thread_id, "Wir fragen beim Versand nach.")
    assert submit(api, agent, talk.thread_id).json()["status"] == "pending"
    assert awaiting(api, agent, talk.thread_id)
    customer_writes(api, talk, "+1")  # a bystander, after the reply was written
    queue = api.call(supervisor, "GET", "/api/approvals").json()["approvals"]
    [queued] = [a for a in queue if a["thread_id"] == talk.thread_id]

    approved = post(api, supervisor, f"/api/approvals/{queued['id']}/approve")

    assert approved.json()["status"] == "held", approved.text
    assert awaiting(api, agent, talk.thread_id)  # nothing went out yet
    [held] = [a for a in api.call(supervisor, "GET", "/api/approvals").json()["approvals"]
              if a["thread_id"] == talk.thread_id]
    assert held["status"] == "held"
    assert held["excerpt"] == "+1"
    assert held["answering"]["text"] == "Mein Paket ist seit einer Woche unterwegs"
    assert held["answering"]["author_name"] == queued["customer_name"]

    confirmed = submit(api, agent, talk.thread_id,
                       confirm_seen_upto=newest_message(api, agent, talk.thread_id))
    assert confirmed.json()["status"] == "sent", confirmed.text
    assert not awaiting(api, agent, talk.thread_id)
