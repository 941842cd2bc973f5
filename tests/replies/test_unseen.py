"""No answer to a conversation the author has not seen: newer messages hold the reply."""

from __future__ import annotations

from tests.replies.desk import (
    conversation,
    customer_writes,
    newest_message,
    post,
    reply_channel,
    reply_state,
    submit,
    until,
    write_draft,
)
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.servers import DeskServer


async def test_a_message_that_arrived_while_writing_stops_the_send_until_confirmed(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent = api.person()
    talk = conversation(api, reply_channel(api, network), agent, "Hallo, kurze Frage",
                        visibility="private")
    shown = newest_message(api, agent, talk.thread_id)
    await write_draft(server.url, api, agent, talk.thread_id, "Gern, worum geht es?", seen=shown)
    customer_writes(api, talk, "Hat sich erledigt, danke!")

    held = submit(api, agent, talk.thread_id, seen_upto=shown)

    assert held.status_code == 409
    error = held.json()["error"]
    assert error["code"] == "unseen_messages"
    assert [m["text"] for m in error["messages"]] == ["Hat sich erledigt, danke!"]
    assert reply_state(api, agent, talk.thread_id)["text"] == "Gern, worum geht es?"
    again = submit(api, agent, talk.thread_id, seen_upto=shown)
    assert again.json()["error"]["code"] == "unseen_messages"

    confirmed = submit(api, agent, talk.thread_id, confirm_seen_upto=error["newest_id"])

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "sent"
    await until(lambda: len(network.posts_for(talk.key)) == 1, "the post")
    assert network.posts_for(talk.key)[0].body["visibility"] == "private"


async def test_a_customer_message_while_pending_holds_the_approved_reply_for_the_author(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, supervisor = api.person(), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Kein Strom in der Deichstraße")
    await write_draft(server.url, api, agent, talk.thread_id, "Wir kümmern uns darum.")
    assert submit(api, agent, talk.thread_id).json()["status"] == "pending"
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]
    before = newest_message(api, agent, talk.thread_id)
    customer_writes(api, talk, "Strom ist wieder da!")

    approved = post(api, supervisor, f"/api/approvals/{approval_id}/approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "held"
    assert [m["text"] for m in approved.json()["unseen"]] == ["Strom ist wieder da!"]
    state = reply_state(api, agent, talk.thread_id)
    assert (state["state"], state["approval"]["status"]) == ("pending", "held")
    not_yet = submit(api, agent, talk.thread_id, confirm_seen_upto=before)
    assert not_yet.json()["error"]["code"] == "unseen_messages"
    stranger = submit(api, api.person(), talk.thread_id,
                      confirm_seen_upto=newest_message(api, agent, talk.thread_id))
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "forbidden")
    assert network.posts_for(talk.key) == []

    confirmed = submit(api, agent, talk.thread_id,
                       confirm_seen_upto=newest_message(api, agent, talk.thread_id))

    assert confirmed.json()["status"] == "sent", confirmed.text
    await until(lambda: len(network.posts_for(talk.key)) == 1, "the post")
    assert reply_state(api, agent, talk.thread_id)["approval"]["status"] == "approved"


async def test_two_replies_to_the_same_message_never_both_go_out(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    anna, ben = api.person(), api.person()
    talk = conversation(api, reply_channel(api, network), anna, "Wie ist die Hotline-Nummer?",
                        visibility="private")
    shown = newest_message(api, anna, talk.thread_id)
    await write_draft(server.url, api, anna, talk.thread_id, "0800 123 456", seen=shown)
    assert submit(api, anna, talk.thread_id, seen_upto=shown).json()["status"] == "sent"
    await write_draft(server.url, api, ben, talk.thread_id, "Die Nummer ist 0800 123 456.")

    second = submit(api, ben, talk.thread_id, seen_upto=shown)

    assert second.json()["error"]["code"] == "unseen_messages"
    assert [m["text"] for m in second.json()["error"]["messages"]] == ["0800 123 456"]
    await until(lambda: len(network.posts_for(talk.key)) == 1, "the first post")
