"""Sending through the outbox: retries with backoff, failures shown, never posted twice."""

from __future__ import annotations

from dataclasses import dataclass

from server.actions.outbox import MAX_ATTEMPTS
from tests.replies.desk import (
    Conversation,
    conversation,
    delivery,
    post,
    reply_channel,
    submit,
    until,
    write_draft,
)
from tests.support.desk_api import DeskApi, Person
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


@dataclass(frozen=True)
class Sent:
    agent: Person
    talk: Conversation
    message_id: int


async def send(server: DeskServer, api: DeskApi, network: FakeReplyEndpoint, text: str) -> Sent:
    """A private reply (no approval by default), submitted and queued."""
    agent = api.person()
    talk = conversation(api, reply_channel(api, network), agent, "Frage: " + text,
                        visibility="private")
    await write_draft(server.url, api, agent, talk.thread_id, text)
    answer = submit(api, agent, talk.thread_id)
    assert answer.json()["status"] == "sent", answer.text
    return Sent(agent, talk, answer.json()["message_id"])


def status(api: DeskApi, sent: Sent) -> str | None:
    return delivery(api, sent.agent, sent.talk.thread_id, sent.message_id).get("status")


async def test_temporary_errors_are_retried_and_the_reply_is_posted_once(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    network.fail(2, 503)

    sent = await send(server, api, network, "Zweimal 503, dann klappt es")

    await until(lambda: status(api, sent) == "sent", "the third attempt", timeout=20)
    posts = network.posts_for(sent.talk.key)
    assert [p.body["text"] for p in posts] == ["Zweimal 503, dann klappt es"]
    assert network.attempts_for(posts[0].key) == 3
    shown = delivery(api, sent.agent, sent.talk.thread_id, sent.message_id)
    assert (shown["attempts"], shown["error"], shown["external_id"]) == (3, None, posts[0].id)


async def test_waiting_as_a_rate_limit_asks_never_gives_the_reply_up(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    network.fail(MAX_ATTEMPTS + 1, 429)

    sent = await send(server, api, network, "Geduldig bis zum Limit")

    await until(lambda: status(api, sent) == "sent", "the send after the limit", timeout=40)
    posts = network.posts_for(sent.talk.key)
    assert [p.body["text"] for p in posts] == ["Geduldig bis zum Limit"]
    assert network.attempts_for(posts[0].key) == MAX_ATTEMPTS + 2


async def test_a_permanent_error_is_shown_and_a_retry_sends_once(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    network.fail(1, 400)
    board_seq = api.threads(api.person())["seq"]

    sent = await send(server, api, network, "Abgelehnt, dann nochmal")

    await until(lambda: status(api, sent) == "failed", "the failure")
    assert "400" in delivery(api, sent.agent, sent.talk.thread_id, sent.message_id)["error"]
    board = LiveBoard(server.url, sent.agent.token)
    await board.connect(since=board_seq)
    live = await board.wait_for(lambda b: [
        e for e in b.of_type("message.delivery")
        if e["payload"]["message_id"] == sent.message_id and e["payload"]["status"] == "failed"
    ], what="the failure, live")
    await board.disconnect()
    assert live[0]["payload"]["card"]["id"] == sent.talk.thread_id
    assert network.posts_for(sent.talk.key) == []

    again = post(api, sent.agent, f"/api/messages/{sent.message_id}/retry")
    twice = post(api, sent.agent, f"/api/messages/{sent.message_id}/retry")

    assert again.status_code == 200, again.text
    assert twice.status_code == 409
    await until(lambda: status(api, sent) == "sent", "the retry")
    posts = network.posts_for(sent.talk.key)
    assert [p.body["text"] for p in posts] == ["Abgelehnt, dann nochmal"]
    assert network.attempts_for(posts[0].key) == 2
    assert network.bad_signatures == 0
