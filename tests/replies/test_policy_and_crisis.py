"""Which replies need approval: the policy per network, team and role, and crisis mode."""

from __future__ import annotations

from tests.replies.desk import conversation, reply_channel, submit, write_draft
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

NO_APPROVAL = {"default": {"public": False, "private": False}, "rules": []}


async def test_crisis_mode_makes_every_public_reply_need_approval(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    supervisor, agent, viewer = api.person("supervisor"), api.person(), api.person("viewer")
    channel = reply_channel(api, network)
    board = LiveBoard(server.url, viewer.token)
    await board.connect(since=api.threads(viewer)["seq"])
    before = api.call(supervisor, "GET", "/api/approval-policy").json()["policy"]
    assert api.call(agent, "PUT", "/api/approval-policy", json={"policy": NO_APPROVAL}
                    ).status_code == 403
    assert api.call(supervisor, "PUT", "/api/approval-policy",
                    json={"policy": NO_APPROVAL}).status_code == 200
    try:
        calm = conversation(api, channel, agent, "Tolles Angebot!")
        await write_draft(server.url, api, agent, calm.thread_id, "Danke!")
        assert submit(api, agent, calm.thread_id).json()["status"] == "sent"

        assert api.call(agent, "POST", "/api/crisis", json={"on": True}).status_code == 403
        on = api.call(supervisor, "POST", "/api/crisis",
                      json={"on": True, "message": "Doppelte Abbuchung"})
        assert on.status_code == 200, on.text
        storm = conversation(api, channel, agent, "Ihr habt doppelt abgebucht!!")
        await write_draft(server.url, api, agent, storm.thread_id, "Wir erstatten alles.")
        assert submit(api, agent, storm.thread_id).json()["status"] == "pending"
        dm = conversation(api, channel, agent, "Bitte per PN", visibility="private")
        await write_draft(server.url, api, agent, dm.thread_id, "Gern.")
        assert submit(api, agent, dm.thread_id).json()["status"] == "sent"
        banner = await board.wait_for(lambda b: b.of_type("crisis.changed"), what="crisis")
        assert banner[0]["payload"]["on"] is True
        assert banner[0]["payload"]["message"] == "Doppelte Abbuchung"
        assert api.call(viewer, "GET", "/api/crisis").json()["crisis"]["on"] is True
    finally:
        api.call(supervisor, "POST", "/api/crisis", json={"on": False})
        api.call(supervisor, "PUT", "/api/approval-policy", json={"policy": before})
        await board.disconnect()
    assert api.call(viewer, "GET", "/api/crisis").json()["crisis"]["on"] is False


async def test_a_policy_rule_decides_per_network_and_role(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    supervisor, agent = api.person("supervisor"), api.person()
    channel = reply_channel(api, network)
    before = api.call(supervisor, "GET", "/api/approval-policy").json()["policy"]
    policy = {"default": {"public": True, "private": False}, "rules": [
        {"network": "webhook", "role": "supervisor", "visibility": "public", "require": False},
        {"network": "webhook", "visibility": "private", "require": True},
    ]}
    bad = api.call(supervisor, "PUT", "/api/approval-policy",
                   json={"policy": {"rules": [{"network": "x"}]}})
    assert bad.status_code == 400
    assert api.call(supervisor, "PUT", "/api/approval-policy",
                    json={"policy": policy}).status_code == 200
    try:
        own = conversation(api, channel, supervisor, "Frage an die Chefin")
        await write_draft(server.url, api, supervisor, own.thread_id, "Antwort der Chefin")
        private = conversation(api, channel, agent, "Privat bitte", visibility="private")
        await write_draft(server.url, api, agent, private.thread_id, "Privat geantwortet")

        assert submit(api, supervisor, own.thread_id).json()["status"] == "sent"
        assert submit(api, agent, private.thread_id).json()["status"] == "pending"
    finally:
        api.call(supervisor, "PUT", "/api/approval-policy", json={"policy": before})
