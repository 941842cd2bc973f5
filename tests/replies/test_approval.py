"""Approval across roles: submit, approve (corrected or not), reject, four eyes."""

from __future__ import annotations

from tests.replies.desk import (
    conversation,
    customer_writes,
    delivery,
    post,
    reply_channel,
    reply_state,
    submit,
    until,
    write_draft,
)
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def test_an_approved_reply_is_posted_exactly_once(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, supervisor = api.person(), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Wo bleibt mein Techniker?")
    await write_draft(server.url, api, agent, talk.thread_id, "Er kommt morgen um 9.")

    submitted = submit(api, agent, talk.thread_id)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "pending"
    assert reply_state(api, agent, talk.thread_id)["state"] == "pending"
    assert submit(api, agent, talk.thread_id).status_code == 409
    queue = api.call(supervisor, "GET", "/api/approvals").json()["approvals"]
    approval = next(a for a in queue if a["thread_id"] == talk.thread_id)
    assert approval["submitted_text"] == "Er kommt morgen um 9."
    assert [a["id"] for a in approval["authors"]] == [agent.id]
    assert network.posts_for(talk.key) == []

    approved = post(api, supervisor, f"/api/approvals/{approval['id']}/approve")
    assert approved.status_code == 200, approved.text
    message_id = approved.json()["message_id"]
    sent = await until(lambda: delivery(api, agent, talk.thread_id, message_id)
                       .get("status") == "sent", "delivery")
    assert sent
    posts = network.posts_for(talk.key)
    assert [p.body["text"] for p in posts] == ["Er kommt morgen um 9."]
    assert posts[0].body["visibility"] == "public"
    assert delivery(api, agent, talk.thread_id, message_id)["external_id"] == posts[0].id
    after = reply_state(api, agent, talk.thread_id)
    assert (after["state"], after["text"]) == ("editing", "")


async def test_a_rejected_reply_comes_back_to_its_author_with_the_comment(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, supervisor = api.person(), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Kündigung bitte bestätigen")
    await write_draft(server.url, api, agent, talk.thread_id, "Ist erledigt!!!")
    assert submit(api, agent, talk.thread_id).json()["status"] == "pending"
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]
    board = LiveBoard(server.url, agent.token)
    await board.connect(since=api.threads(agent)["seq"])

    missing = post(api, supervisor, f"/api/approvals/{approval_id}/reject", comment="  ")
    rejected = post(api, supervisor, f"/api/approvals/{approval_id}/reject",
                    comment="Bitte ohne Ausrufezeichen und mit Vertragsnummer.")

    assert missing.status_code == 400
    assert rejected.status_code == 200, rejected.text
    told = await board.wait_for(lambda b: b.of_type("notification.reply_decided"), what="notice")
    assert told[0]["payload"]["status"] == "rejected"
    assert told[0]["payload"]["comment"] == "Bitte ohne Ausrufezeichen und mit Vertragsnummer."
    await board.disconnect()
    state = reply_state(api, agent, talk.thread_id)
    assert (state["state"], state["text"]) == ("editing", "Ist erledigt!!!")
    assert state["approval"]["status"] == "rejected"
    assert network.posts_for(talk.key) == []


async def test_boards_show_which_threads_await_approval(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, supervisor = api.person(), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Gilt der Gutschein noch?")
    board = LiveBoard(server.url, supervisor.token)
    await board.connect(since=api.threads(supervisor)["seq"])

    def cards(kind: str) -> list[dict]:
        return [e["payload"]["card"] for e in board.of_type(kind)
                if e["payload"]["card"]["id"] == talk.thread_id]

    await write_draft(server.url, api, agent, talk.thread_id, "Ja, bis Ende Mai.")
    assert submit(api, agent, talk.thread_id).json()["status"] == "pending"
    [requested] = await board.wait_for(lambda b: cards("approval.requested"), what="the request")
    assert requested["awaiting_approval"] is True
    # The customer writes meanwhile: the thread still awaits approval.
    customer_writes(api, talk, "Und für Online-Bestellungen?")
    [added] = await board.wait_for(lambda b: cards("message.added"), what="the new message")
    assert added["awaiting_approval"] is True
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]
    rejected = post(api, supervisor, f"/api/approvals/{approval_id}/reject",
                    comment="Bitte auch Online erwähnen.")
    assert rejected.status_code == 200, rejected.text
    [decided] = await board.wait_for(lambda b: cards("approval.decided"), what="the decision")
    await board.disconnect()
    assert decided["awaiting_approval"] is False
    listed = api.threads(supervisor, q="Online-Bestellungen", status="all")["threads"]
    assert [c["awaiting_approval"] for c in listed if c["id"] == talk.thread_id] == [False]


async def test_nobody_approves_a_reply_they_wrote(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    writer, co_writer, other = (api.person("supervisor") for _ in range(3))
    talk = conversation(api, reply_channel(api, network), writer, "Rechnung falsch")
    await write_draft(server.url, api, co_writer, talk.thread_id, "Wir prüfen das")
    await write_draft(server.url, api, writer, talk.thread_id, "Wir prüfen das sofort.")
    assert submit(api, writer, talk.thread_id).json()["status"] == "pending"
    approval = reply_state(api, writer, talk.thread_id)["approval"]
    assert {a["id"] for a in approval["authors"]} == {writer.id, co_writer.id}

    own = post(api, writer, f"/api/approvals/{approval['id']}/approve")
    co = post(api, co_writer, f"/api/approvals/{approval['id']}/approve")
    agent = post(api, api.person(), f"/api/approvals/{approval['id']}/approve")
    assert (own.status_code, own.json()["error"]["code"]) == (403, "four_eyes")
    assert (co.status_code, co.json()["error"]["code"]) == (403, "four_eyes")
    assert (agent.status_code, agent.json()["error"]["code"]) == (403, "forbidden")

    assert post(api, other, f"/api/approvals/{approval['id']}/approve").status_code == 200
    await until(lambda: len(network.posts_for(talk.key)) == 1, "the post")


async def test_a_viewer_cannot_submit(server: DeskServer, api: DeskApi,
                                      network: FakeReplyEndpoint) -> None:
    agent, viewer = api.person(), api.person("viewer")
    talk = conversation(api, reply_channel(api, network), agent, "Nur mal schauen")
    await write_draft(server.url, api, agent, talk.thread_id, "Hallo!")

    refused = submit(api, viewer, talk.thread_id)

    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "forbidden", "permission": "reply.submit",
        "message": "You lack the permission reply.submit.",
    }
    assert reply_state(api, agent, talk.thread_id)["state"] == "editing"
