"""The same answering commands over the board's Socket.IO connection."""

from __future__ import annotations

import secrets

from tests.replies.desk import conversation, reply_channel, write_draft
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def test_answering_over_the_socket(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    supervisor, agent, viewer = api.person("supervisor"), api.person(), api.person("viewer")
    talk = conversation(api, reply_channel(api, network), agent, "Per Socket beantworten")
    boss, me, looker = (LiveBoard(server.url, p.token) for p in (supervisor, agent, viewer))
    for board in (boss, me, looker):
        await board.connect()
    name = "socket-" + secrets.token_hex(3)
    try:
        made = await boss.call("template.create", {"name": name, "language": "en",
                                                   "body": "Hi {customer_name}!"})
        assert made["ok"], made
        found = await me.call("template.list", {"q": name})
        rendered = await me.call("template.render", {
            "template_id": made["template"]["id"], "thread_id": talk.thread_id})
        note = await me.call("note.add", {"thread_id": talk.thread_id, "text": "internal"})
        notes = await looker.call("note.list", {"thread_id": talk.thread_id})
        await write_draft(server.url, api, agent, talk.thread_id, rendered["text"])
        refused = await looker.call("reply.submit", {"thread_id": talk.thread_id})
        wrong = await me.call("reply.submit", {"thread_id": "one"})
        submitted = await me.call("reply.submit", {"thread_id": talk.thread_id, "seen_upto": 10**9})
        queue = await boss.call("approvals.list", {"thread_id": talk.thread_id})
        not_for_agents = await me.call("approvals.list", {})
        state = await me.call("reply.get", {"thread_id": talk.thread_id})
        policy = await me.call("policy.get", {})
        crisis = await looker.call("crisis.get", {})
    finally:
        for board in (boss, me, looker):
            await board.disconnect()

    assert [t["name"] for t in found["templates"]] == [name]
    assert rendered["text"] == f"Hi {api.thread_by_text(agent, 'Per Socket')['author']['name']}!"
    assert note["ok"] and [n["text"] for n in notes["notes"]] == ["internal"]
    assert refused["error"]["code"] == "forbidden"
    assert wrong["error"]["code"] == "invalid"
    assert submitted["status"] == "pending"
    assert [a["id"] for a in queue["approvals"]] == [submitted["approval_id"]]
    assert not_for_agents["error"]["permission"] == "reply.approve"
    assert state["reply"]["state"] == "pending"
    assert policy["policy"]["default"]["public"] is True
    assert crisis["crisis"]["on"] is False
