"""Where a thread stands after the work: resolving releases the claim, and a sent reply
moves an open thread to the status the desk chose (waiting on the customer unless set
otherwise; "pending", its former name, is still understood)."""

from __future__ import annotations

from tests.replies.desk import conversation, post, reply_channel, submit, write_draft
from tests.support.desk_api import DeskApi, Person
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.servers import DeskServer


def card(api: DeskApi, person: Person, thread_id: int) -> dict:
    response = api.call(person, "GET", f"/api/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return response.json()["thread"]


def test_resolving_a_thread_releases_its_claim(api: DeskApi, network: FakeReplyEndpoint
                                               ) -> None:
    agent, other = api.person(), api.person()
    talk = conversation(api, reply_channel(api, network), agent, "Rechnung doppelt abgebucht")
    assert post(api, agent, f"/api/threads/{talk.thread_id}/claim").status_code == 200
    token = card(api, agent, talk.thread_id)["claim_token"]

    resolved = api.call(agent, "PATCH", f"/api/threads/{talk.thread_id}",
                        json={"status": "resolved"})

    assert resolved.status_code == 200, resolved.text
    after = card(api, agent, talk.thread_id)
    assert (after["status"], after["holder"]) == ("resolved", None)
    assert after["claim_token"] > token  # the former holder's fencing token is stale now
    # Nobody holds it: a colleague may reopen it at once.
    reopened = api.call(other, "PATCH", f"/api/threads/{talk.thread_id}",
                        json={"status": "open"})
    assert reopened.status_code == 200, reopened.text


async def test_a_sent_reply_moves_an_open_thread_to_the_desks_choice(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    supervisor, agent = api.person("supervisor"), api.person()
    channel = reply_channel(api, network)
    assert api.call(agent, "GET", "/api/after-reply").json() == {"status": "waiting"}
    refused = api.call(agent, "PUT", "/api/after-reply", json={"status": "resolved"})
    wrong = api.call(supervisor, "PUT", "/api/after-reply", json={"status": "closed"})
    assert refused.status_code == 403
    assert (wrong.status_code, wrong.json()["error"]["name"]) == (400, "status")

    default = conversation(api, channel, agent, "Wann kommt der Techniker?", "private")
    await write_draft(server.url, api, agent, default.thread_id, "Morgen zwischen 8 und 12.")
    assert submit(api, agent, default.thread_id).json()["status"] == "sent"
    assert card(api, agent, default.thread_id)["status"] == "waiting"

    chosen = api.call(supervisor, "PUT", "/api/after-reply", json={"status": "resolved"})
    assert chosen.json() == {"status": "resolved"}
    try:
        talk = conversation(api, channel, agent, "Ist mein Router schon unterwegs?", "private")
        assert post(api, agent, f"/api/threads/{talk.thread_id}/claim").status_code == 200
        await write_draft(server.url, api, agent, talk.thread_id, "Ja, seit heute früh.")
        assert submit(api, agent, talk.thread_id).json()["status"] == "sent"
        after = card(api, agent, talk.thread_id)
        assert (after["status"], after["holder"]) == ("resolved", None)
    finally:
        former = api.call(supervisor, "PUT", "/api/after-reply", json={"status": "pending"})
        assert former.json() == {"status": "waiting"}
