"""server/actions/notes.py: internal notes and @mentions."""

from __future__ import annotations

from server.actions.notes import find_mentions
from server.models import Note, User
from tests.support.inprocess import InProcessDesk


def test_mentions_match_names_and_mail_names_not_parts_of_words() -> None:
    anna = User(id=1, email="anna.s@desk.test", name="Anna Schmidt", role_id=1)
    bo = User(id=2, email="bo@desk.test", name="Bo", role_id=1)
    people = [anna, bo]

    assert find_mentions("@Anna Schmidt, look", people) == [anna]
    assert find_mentions("ping @annaschmidt and @BO.", people) == [anna, bo]
    assert find_mentions("@anna.s please", people) == [anna]
    assert find_mentions("@bob and @bo-team", people) == []
    assert find_mentions("no mention", people) == []


async def test_a_note_is_stored_and_each_mentioned_person_told_personally(
    desk: InProcessDesk
) -> None:
    card = await desk.post()
    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/notes",
                               json={"text": "  @Sven Supervisor and @Anna Agent: look  "})

    note = answer["note"]
    assert note["text"] == "@Sven Supervisor and @Anna Agent: look"
    # In the order of the people list (by id), not of the text.
    assert [m["id"] for m in note["mentions"]] == sorted([desk.agent.id, desk.supervisor.id])
    assert got.one("note.added")["note"] == note
    # The writer is not told of their own mention.
    [told] = [e for e in got.events if e["type"] == "notification.mentioned"]
    assert told["user_id"] == desk.supervisor.id
    assert told["payload"]["thread_excerpt"] == card["excerpt"]
    async with desk.db.read() as session:
        row = await session.get(Note, note["id"])
    assert row is not None and row.mentions == [m["id"] for m in note["mentions"]]


async def test_an_empty_note_or_an_unknown_thread_is_refused(desk: InProcessDesk) -> None:
    card = await desk.post()
    error = await desk.refuses(desk.agent, "POST", f"/api/threads/{card['id']}/notes", 400,
                               "invalid", json={"text": ""})
    assert "text" in error["message"]
    await desk.refuses(desk.agent, "POST", "/api/threads/99999/notes", 404, "not_found",
                       json={"text": "hello"})
    await desk.refuses(desk.viewer, "POST", f"/api/threads/{card['id']}/notes", 403,
                       "forbidden", json={"text": "hello"})
