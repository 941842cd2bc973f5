"""server/incidents/: the simulator's crisis lands in one incident as it streams in."""

from __future__ import annotations

from sqlalchemy import select

from server.models import Incident, IncidentPost, Message, Thread
from tests.server.incidents.crisis import caught, crisis_items
from tests.support.inprocess import InProcessDesk

POSTS = 1500
BATCH = 10


async def test_the_crisis_wave_lands_in_one_incident(desk: InProcessDesk) -> None:
    items = crisis_items(POSTS)
    for start in range(0, POSTS, BATCH):
        answer = await desk.webhook([payload for payload, _ in items[start:start + BATCH]])
        assert answer.status_code == 200, answer.text

    async with desk.db.read() as session:
        grouped = dict((await session.execute(
            select(Message.external_id, IncidentPost.incident_id)
            .join(IncidentPost, IncidentPost.message_id == Message.id))).all())
        incidents = {i.id: i for i in (await session.scalars(select(Incident))).all()}
        threads = (await session.execute(select(Thread.id, Thread.incident_id))).all()
    result = caught({payload["id"]: wave for payload, wave in items}, grouped)
    print(result.line())
    assert result.recall >= 0.9
    assert result.pulled_in_share <= 0.05
    main = incidents[result.incident_id]
    assert main.status == "open" and main.size == result.grouped + result.pulled_in
    assert main.networks == ["webhook"]
    # Every thread of a grouped post names an incident, and an open one.
    async with desk.db.read() as session:
        of_posts = set((await session.scalars(select(IncidentPost.thread_id))).all())
    named = {tid: incident for tid, incident in threads if incident is not None}
    assert of_posts <= set(named)
    assert all(incidents[i].status == "open" for i in named.values())
