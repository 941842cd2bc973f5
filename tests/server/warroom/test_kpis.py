"""server/warroom/kpis.py against a fixture of timed posts and replies, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models import AuditEntry, Contact, Message, Thread
from server.warroom.kpis import read_kpis
from tests.support.inprocess import InProcessDesk

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TARGETS = {"public": timedelta(minutes=15), "private": timedelta(minutes=240)}


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


async def test_the_seven_figures_match_the_hand_computed_ones(desk: InProcessDesk) -> None:
    channel = desk.channel_id
    async with desk.db.write() as tx:
        anna, ben, cleo = (Contact(channel_id=channel, external_id=name, name=name)
                           for name in ("anna", "ben", "cleo"))
        tx.session.add_all([anna, ben, cleo])
        await tx.session.flush()

        def thread(key: str, contact: Contact, visibility: str, waiting: datetime | None
                   ) -> Thread:
            return Thread(channel_id=channel, external_key=key, visibility=visibility,
                          contact_id=contact.id, waiting_since=waiting)  # type: ignore[arg-type]

        t1, t2 = thread("t1", anna, "public", None), thread("t2", ben, "public", None)
        t3, t4 = thread("t3", cleo, "private", None), thread("t4", anna, "public", ago(2))
        tx.session.add_all([t1, t2, t3, t4])
        await tx.session.flush()

        def post(t: Thread, who: Contact | None, at: datetime, label: str | None = None
                 ) -> Message:
            return Message(thread_id=t.id, channel_id=channel,  # type: ignore[arg-type]
                           direction="in" if who else "out", contact_id=who.id if who else None,
                           text="…", visibility=t.visibility, created_at=at,
                           sentiment_label=label)

        tx.session.add_all([
            post(t1, anna, ago(52), "negative"), post(t1, None, ago(40)),  # answered in 12 min
            post(t2, ben, ago(31), "neutral"), post(t2, ben, ago(26), "negative"),
            post(t2, None, ago(10)),  # answered 21 min after the first of the two
            post(t3, cleo, ago(180), "positive"), post(t3, None, ago(20)),  # 160 min, private
            post(t4, anna, ago(2), "negative"),  # Anna again, in another thread: waits
            post(t1, anna, ago(24 * 60 + 30), "neutral"),  # over a day ago: in no window
        ])
        tx.session.add(AuditEntry(action="thread.escalate", thread_id=t2.id, at=ago(15)))

    async with desk.db.read() as session:
        kpis = await read_kpis(session, NOW, TARGETS, agents_online=3)

    # Inbound at 52, 31, 26 and 2 minutes ago: buckets of five minutes, the current last.
    assert kpis.volume_series == [0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]
    assert (kpis.volume, kpis.volume_baseline) == (1, 0.25)
    assert (kpis.backlog, kpis.oldest_wait_seconds) == (1, 120)
    # First responses 12 min (public), 21 min (public), 160 min (private): nearest rank.
    assert kpis.first_response_p50_seconds == 21 * 60
    assert kpis.first_response_p90_seconds == 160 * 60
    # Within target: 12 <= 15 (public), 160 <= 240 (private); 21 > 15 is not.
    assert kpis.sla_compliance == round(2 / 3, 4)
    assert kpis.negative_share == 0.75  # 3 of the hour's 4 inbound posts
    assert kpis.escalation_rate == round(1 / 3, 4)  # t2 of the public t1, t2, t4
    assert kpis.repeat_contacts == 0.5  # Anna (t1, then t4) of Anna and Ben
    assert (kpis.agents_online, kpis.approvals_waiting) == (3, 0)


async def test_the_figures_are_served_over_rest(desk: InProcessDesk) -> None:
    await desk.post("Seit heute kein Internet")
    answer = await desk.ok(desk.agent, "GET", "/api/kpis")
    assert answer["volume"] == 1 and answer["backlog"] == 1
    assert answer["negative_share"] == 1.0
    assert len(answer["volume_series"]) == 13
