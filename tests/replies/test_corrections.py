"""Four eyes on corrections: an approver's changed text goes out only once a second person
has seen it (an author, or a second approver, by policy), and the sent reply names everyone
whose words are in it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.models import AuditEntry
from server.settings import async_database_url
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
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

SUBMITTED = "Wir schicken dir einen neuen Router."
CORRECTED = "Wir schicken Ihnen morgen einen neuen Router."


async def audit_rows(server: DeskServer, action: str, approval_id: int
                     ) -> list[dict[str, Any]]:
    db = Database(async_database_url(server.env["TANDEM_DATABASE_URL"]))
    try:
        async with db.read() as session:
            rows = (await session.scalars(
                select(AuditEntry).where(col(AuditEntry.action) == action)
            )).all()
    finally:
        await db.dispose()
    return [r.detail for r in rows if r.detail.get("approval_id") == approval_id]


@pytest.fixture
def approver_confirms(api: DeskApi) -> Iterator[None]:
    """The policy asks a second approver to confirm corrections (restored afterwards)."""
    before = api.http.get("/api/approval-policy", headers=api.admin).json()["policy"]
    changed = api.http.put("/api/approval-policy", headers=api.admin,
                           json={"policy": {**before, "corrections": "approver"}})
    assert changed.status_code == 200, changed.text
    yield
    api.http.put("/api/approval-policy", headers=api.admin, json={"policy": before})


async def test_a_correction_waits_until_an_author_confirms_it(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, co_writer = api.person(), api.person()
    supervisor, second = api.person("supervisor"), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Mein Router ist kaputt")
    await write_draft(server.url, api, co_writer, talk.thread_id, "Wir schicken dir")
    await write_draft(server.url, api, agent, talk.thread_id, SUBMITTED)
    assert submit(api, agent, talk.thread_id).json()["status"] == "pending"
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]
    board = LiveBoard(server.url, agent.token)
    await board.connect(since=api.threads(agent)["seq"])

    corrected = post(api, supervisor, f"/api/approvals/{approval_id}/approve", text=CORRECTED)

    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "corrected"
    told = await board.wait_for(lambda b: b.of_type("notification.reply_decided"), what="notice")
    notice = told[0]["payload"]
    assert (notice["status"], notice["confirm_by"]) == ("corrected", "author")
    assert [(p["op"], p["text"]) for p in notice["diff"] if p["op"] != "same"] == [
        ("del", "dir"), ("ins", "Ihnen morgen"),
    ]
    [decided] = [e["payload"]["approval"] for e in board.of_type("approval.decided")]
    assert decided["status"] == "corrected"
    assert decided["corrected_by"]["id"] == supervisor.id
    # Nothing went out, and neither approver can push it out alone.
    again = post(api, supervisor, f"/api/approvals/{approval_id}/approve")
    other = post(api, second, f"/api/approvals/{approval_id}/approve")
    assert (again.status_code, again.json()["error"]["code"]) == (403, "four_eyes")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "conflict")
    stranger = post(api, api.person(), f"/api/approvals/{approval_id}/confirm")
    assert (stranger.status_code, stranger.json()["error"]["code"]) == (403, "forbidden")
    assert reply_state(api, agent, talk.thread_id)["approval"]["status"] == "corrected"
    assert network.posts_for(talk.key) == []

    confirmed = post(api, co_writer, f"/api/approvals/{approval_id}/confirm",
                     seen_upto=newest_message(api, co_writer, talk.thread_id))

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "sent"
    await until(lambda: [p.body["text"] for p in network.posts_for(talk.key)] == [CORRECTED],
                "the corrected post")
    await board.disconnect()
    sent = api.call(agent, "GET", f"/api/threads/{talk.thread_id}").json()["messages"][-1]
    assert [(a["id"], a["part"]) for a in sent["authors"]] == [
        (agent.id, "submitted"), (co_writer.id, "co-wrote"), (supervisor.id, "corrected")]
    [audit] = await audit_rows(server, "reply.correct", approval_id)
    assert (audit["before"], audit["after"], audit["confirm_by"]) == (SUBMITTED, CORRECTED,
                                                                      "author")
    assert {"op": "ins", "text": "Ihnen morgen"} in audit["diff"]
    assert (await audit_rows(server, "reply.confirm", approval_id))[0]["confirmed"] == "corrected"


async def test_under_the_approver_policy_a_second_approver_confirms_the_correction(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint, approver_confirms: None
) -> None:
    agent, supervisor, second = api.person(), api.person("supervisor"), api.person("supervisor")
    talk = conversation(api, reply_channel(api, network), agent, "Router tot, bitte Ersatz")
    await write_draft(server.url, api, agent, talk.thread_id, SUBMITTED)
    submit(api, agent, talk.thread_id)
    approval_id = reply_state(api, agent, talk.thread_id)["approval"]["id"]

    corrected = post(api, supervisor, f"/api/approvals/{approval_id}/approve", text=CORRECTED)
    own = post(api, supervisor, f"/api/approvals/{approval_id}/approve")
    author = post(api, agent, f"/api/approvals/{approval_id}/confirm")

    assert corrected.json()["status"] == "corrected"
    assert reply_state(api, agent, talk.thread_id)["approval"]["confirm_by"] == "approver"
    assert (own.status_code, own.json()["error"]["code"]) == (403, "four_eyes")
    assert (author.status_code, author.json()["error"]["code"]) == (409, "conflict")
    assert network.posts_for(talk.key) == []
    # The customer writes meanwhile: the second approval holds it for the authors to read.
    customer_writes(api, talk, "Und bitte vor 12 Uhr")
    held = post(api, second, f"/api/approvals/{approval_id}/approve")
    assert held.json()["status"] == "held", held.text
    assert network.posts_for(talk.key) == []
    # An approver who read the new message may confirm the held reply too.
    unread = post(api, second, f"/api/approvals/{approval_id}/confirm")
    assert (unread.status_code, unread.json()["error"]["code"]) == (409, "unseen_messages")
    assert [m["text"] for m in unread.json()["error"]["messages"]] == ["Und bitte vor 12 Uhr"]
    confirmed = post(api, second, f"/api/approvals/{approval_id}/confirm",
                     seen_upto=newest_message(api, second, talk.thread_id))
    assert confirmed.json()["status"] == "sent", confirmed.text
    await until(lambda: [p.body["text"] for p in network.posts_for(talk.key)] == [CORRECTED],
                "the corrected post")
    sent = api.call(agent, "GET", f"/api/threads/{talk.thread_id}").json()["messages"][-1]
    assert [(a["id"], a["part"]) for a in sent["authors"]] == [
        (agent.id, "submitted"), (supervisor.id, "corrected")]
    assert reply_state(api, agent, talk.thread_id)["approval"]["decided_by"]["id"] == second.id


async def test_a_reply_sent_without_approval_credits_its_co_authors(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    agent, helper = api.person(), api.person()
    talk = conversation(api, reply_channel(api, network), agent, "Kurze Frage privat",
                        visibility="private")
    await write_draft(server.url, api, helper, talk.thread_id, "Hallo,")
    await write_draft(server.url, api, agent, talk.thread_id, "Hallo, gerne!")

    sent = submit(api, agent, talk.thread_id)

    assert sent.json()["status"] == "sent", sent.text
    message = api.call(agent, "GET", f"/api/threads/{talk.thread_id}").json()["messages"][-1]
    assert [(a["id"], a["part"]) for a in message["authors"]] == [
        (agent.id, "submitted"), (helper.id, "co-wrote")]
