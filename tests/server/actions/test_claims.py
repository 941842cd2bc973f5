"""server/actions/claims.py: one holder per thread, fencing tokens, take-over, assignment,
expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from server.actions.claims import do_claim, expire_claims, renew_claims
from server.errors import ClaimHeld
from server.models import Thread, utcnow
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import claimed


async def test_a_claim_makes_the_caller_holder_with_a_new_fencing_token(
    desk: InProcessDesk
) -> None:
    card = await desk.post()
    async with desk.capture() as got:
        answer = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/claim")

    row = await desk.row(Thread, card["id"])
    assert row.claim_holder_id == desk.agent.id and row.claim_token == card["claim_token"] + 1
    assert answer["claim"]["fencing_token"] == row.claim_token
    event = got.one("thread.claimed")
    assert event["holder"] == {"id": desk.agent.id, "name": desk.agent.name}
    assert event["taken_over_from"] is None and event["card"]["holder"]["id"] == desk.agent.id
    assert [a.thread_id for a in await desk.audits("thread.claim")] == [card["id"]]


async def test_a_thread_someone_holds_is_refused_with_their_name_and_nothing_changes(
    desk: InProcessDesk
) -> None:
    card = await claimed(desk)

    error = await desk.refuses(desk.colleague, "POST", f"/api/threads/{card['id']}/claim",
                               409, "claim_held")

    assert error["holder_id"] == desk.agent.id and error["holder_name"] == desk.agent.name
    assert (await desk.row(Thread, card["id"])).claim_holder_id == desk.agent.id


async def test_claiming_what_you_hold_renews_it_without_an_event(desk: InProcessDesk) -> None:
    card = await claimed(desk)
    token = (await desk.row(Thread, card["id"])).claim_token

    async with desk.capture() as got:
        again = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/claim")

    assert got.events == [] and again["claim"]["fencing_token"] == token


async def test_taking_over_needs_the_permission_and_names_whom_it_was_taken_from(
    desk: InProcessDesk
) -> None:
    card = await claimed(desk)
    path = f"/api/threads/{card['id']}/claim"
    await desk.refuses(desk.colleague, "POST", path, 403, "forbidden", json={"take_over": True})

    async with desk.capture() as got:
        await desk.ok(desk.supervisor, "POST", path, json={"take_over": True})

    event = got.one("thread.claimed")
    assert event["taken_over_from"] == {"id": desk.agent.id, "name": desk.agent.name}
    assert [a.detail["previous_holder_id"] for a in await desk.audits("thread.take_over")] == [
        desk.agent.id]


async def test_people_grabbing_one_thread_at_once_get_one_holder(desk: InProcessDesk) -> None:
    card = await desk.post()
    people = [desk.agent, desk.colleague, desk.supervisor, desk.marketer]
    actors = [await desk.actor(p) for p in people]

    outcomes = await asyncio.gather(
        *(do_claim(desk.desk.claims, a, card["id"], 60) for a in actors), return_exceptions=True)

    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    refused = [o for o in outcomes if isinstance(o, ClaimHeld)]
    assert len(refused) == 3
    assert {r.params["holder_id"] for r in refused} == {winners[0].holder.id}
    assert len(await desk.audits("thread.claim")) == 1


async def test_release_frees_the_thread_and_only_the_holder_may(desk: InProcessDesk) -> None:
    card = await claimed(desk)
    path = f"/api/threads/{card['id']}/release"
    await desk.refuses(desk.colleague, "POST", path, 409, "claim_held")

    async with desk.capture() as got:
        await desk.ok(desk.agent, "POST", path)

    assert got.one("thread.released")["reason"] == "released"
    assert (await desk.row(Thread, card["id"])).claim_holder_id is None
    async with desk.capture() as again:
        await desk.ok(desk.agent, "POST", path)  # nobody holds it: nothing to do
    assert again.events == []


async def test_assigning_names_the_assignee_and_refuses_people_who_are_not_there(
    desk: InProcessDesk
) -> None:
    card = await desk.post()
    path = f"/api/threads/{card['id']}/assign"
    await desk.refuses(desk.supervisor, "POST", path, 404, "not_found", json={"user_id": 99999})
    await desk.refuses(desk.agent, "POST", path, 403, "forbidden",
                       json={"user_id": desk.agent.id})

    async with desk.capture() as got:
        await desk.ok(desk.supervisor, "POST", path, json={"user_id": desk.agent.id})
        await desk.ok(desk.supervisor, "POST", path, json={"user_id": desk.agent.id})

    assert got.one("thread.assigned")["card"]["assignee"]["id"] == desk.agent.id
    assert (await desk.row(Thread, card["id"])).assignee_id == desk.agent.id


async def test_claims_nobody_renews_expire_and_renewed_ones_stay(desk: InProcessDesk) -> None:
    lapsed, kept = await claimed(desk), await claimed(desk, person=desk.colleague)
    async with desk.db.write() as tx:
        await tx.session.execute(update(Thread).where(col(Thread.id).in_(
            [lapsed["id"], kept["id"]])).values(claim_expires_at=utcnow() + timedelta(seconds=1)))
    await renew_claims(desk.db, [desk.colleague.id], 60)
    async with desk.db.write() as tx:
        await tx.session.execute(update(Thread).where(col(Thread.id) == lapsed["id"])
                                 .values(claim_expires_at=utcnow() - timedelta(seconds=1)))

    async with desk.capture() as got:
        assert await expire_claims(desk.db) == 1

    released = got.one("thread.released")
    assert released["reason"] == "expired" and released["thread_id"] == lapsed["id"]
    assert (await desk.row(Thread, lapsed["id"])).claim_holder_id is None
    assert (await desk.row(Thread, kept["id"])).claim_holder_id == desk.colleague.id
