"""server/queries/notes.py: a thread's notes, and who can be mentioned."""

from __future__ import annotations

import pytest

from server.errors import NotFound
from server.queries.notes import mentionable, thread_notes
from tests.support.inprocess import InProcessDesk


async def test_notes_come_oldest_first_with_their_people_named(desk: InProcessDesk) -> None:
    card = await desk.post()
    for text in ("first, @Vera Viewer", "second"):
        await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/notes", json={"text": text})

    notes = await thread_notes(desk.db, card["id"])

    assert [n.text for n in notes] == ["first, @Vera Viewer", "second"]
    assert notes[0].author.name == desk.agent.name
    assert [m.name for m in notes[0].mentions] == [desk.viewer.name]
    listed = await desk.ok(desk.viewer, "GET", f"/api/threads/{card['id']}/notes")
    assert [n["id"] for n in listed["notes"]] == [n.id for n in notes]
    with pytest.raises(NotFound):
        await thread_notes(desk.db, 99999)


async def test_active_people_can_be_mentioned_by_their_mail_name(desk: InProcessDesk) -> None:
    await desk.ok(desk.admin, "PATCH", f"/api/users/{desk.colleague.id}", json={"active": False})

    people = await mentionable(desk.db)

    assert [p["name"] for p in people] == sorted(
        p.name for p in desk.people.values() if p != desk.colleague)
    assert {"id": desk.agent.id, "name": desk.agent.name, "handle": "agent"} in people
