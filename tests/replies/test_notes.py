"""Internal notes with @mentions: only the mentioned person is told, live."""

from __future__ import annotations

import asyncio

from tests.replies.desk import conversation, reply_channel
from tests.support.desk_api import DeskApi
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


async def test_a_mention_notifies_only_the_mentioned_person(
    server: DeskServer, api: DeskApi, network: FakeReplyEndpoint
) -> None:
    writer = api.person()
    mentioned, bystander = api.person("supervisor"), api.person("supervisor")
    by_mail = api.person()
    talk = conversation(api, reply_channel(api, network), writer, "Vertrag gekündigt?")
    seq = api.threads(writer)["seq"]
    boards = {p.id: LiveBoard(server.url, p.token) for p in (mentioned, bystander, by_mail)}
    for board in boards.values():
        assert (await board.connect(since=seq))["ok"]

    handle = by_mail.email.split("@")[0]
    added = api.call(writer, "POST", f"/api/threads/{talk.thread_id}/notes", json={
        "text": f"@{mentioned.name}, bitte prüfen. cc @{handle}."})

    assert added.status_code == 201, added.text
    assert {m["id"] for m in added.json()["note"]["mentions"]} == {mentioned.id, by_mail.id}
    for person in (mentioned, by_mail):
        told = await boards[person.id].wait_for(
            lambda b: b.of_type("notification.mentioned"), what="the mention")
        assert told[0]["payload"]["by"] == {"id": writer.id, "name": writer.name}
        assert told[0]["payload"]["thread_id"] == talk.thread_id
    await boards[bystander.id].wait_for(lambda b: b.of_type("note.added"), what="the note")
    await asyncio.sleep(0.3)
    assert boards[bystander.id].of_type("notification.mentioned") == []
    for board in boards.values():
        await board.disconnect()
    notes = api.call(bystander, "GET", f"/api/threads/{talk.thread_id}/notes").json()["notes"]
    assert [n["text"] for n in notes] == [f"@{mentioned.name}, bitte prüfen. cc @{handle}."]


def test_a_viewer_reads_notes_but_cannot_write_them(api: DeskApi, network: FakeReplyEndpoint
                                                     ) -> None:
    agent, viewer = api.person(), api.person("viewer")
    talk = conversation(api, reply_channel(api, network), agent, "Nur intern")

    refused = api.call(viewer, "POST", f"/api/threads/{talk.thread_id}/notes",
                       json={"text": "darf ich?"})
    empty = api.call(agent, "POST", f"/api/threads/{talk.thread_id}/notes", json={"text": " "})

    assert refused.status_code == 403
    assert empty.status_code == 400
    assert api.call(viewer, "GET", f"/api/threads/{talk.thread_id}/notes").json() == {"notes": []}
