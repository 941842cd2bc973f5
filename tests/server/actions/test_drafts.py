"""server/actions/drafts.py: who may write a draft, invitations, merging stored documents."""

from __future__ import annotations

import pytest
from pycrdt import Doc, Text

from server.actions.drafts import (
    TEXT_ROOT,
    check_update,
    do_invite,
    do_save_draft,
    draft_access,
    load_draft,
    text_of,
)
from server.errors import Invalid
from tests.support.inprocess import InProcessDesk, Person
from tests.support.scenes import claimed, draft_update


async def refusal(desk: InProcessDesk, person: Person, thread_id: int,
                  open_when_unclaimed: bool = True) -> str | None:
    async with desk.db.read() as session:
        access = await draft_access(session, await desk.actor(person), thread_id,
                                    open_when_unclaimed=open_when_unclaimed)
    return access.refusal.code if access.refusal else None


async def test_who_may_write_follows_the_claim_and_the_invitations(desk: InProcessDesk) -> None:
    free = await desk.post()
    assert await refusal(desk, desk.colleague, free["id"]) is None
    assert await refusal(desk, desk.colleague, free["id"], open_when_unclaimed=False) == (
        "claim_first")
    assert await refusal(desk, desk.viewer, free["id"]) == "forbidden"

    held = await claimed(desk)
    assert await refusal(desk, desk.agent, held["id"]) is None
    assert await refusal(desk, desk.colleague, held["id"]) == "not_invited"
    await desk.invoke(desk.agent, "draft.invite", {"thread_id": held["id"],
                                                   "user_id": desk.colleague.id})
    assert await refusal(desk, desk.colleague, held["id"]) is None


async def test_only_the_holder_invites_and_only_people_who_may_write(
    desk: InProcessDesk
) -> None:
    card = await claimed(desk)
    before = await desk.footprint()
    for person, user, code in ((desk.colleague, desk.marketer, "not_holder"),
                               (desk.agent, desk.viewer, "invalid"),
                               (desk.agent, desk.agent, "invalid")):
        with pytest.raises(Exception) as refused:
            await do_invite(desk.db, await desk.actor(person), card["id"], user.id)
        assert getattr(refused.value, "code", None) == code
    assert await desk.footprint() == before


async def test_invitations_end_with_the_claim_they_were_made_under(desk: InProcessDesk) -> None:
    card = await claimed(desk)
    async with desk.capture() as got:
        answer = await desk.invoke(desk.agent, "draft.invite",
                                   {"thread_id": card["id"], "user_id": desk.colleague.id})
    assert [p["id"] for p in answer["invited"]] == [desk.colleague.id]
    assert got.one("draft.invited")["invited"] == answer["invited"]

    await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/release")
    await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/claim")

    assert await refusal(desk, desk.colleague, card["id"]) == "not_invited"


async def test_copies_saved_by_two_processes_merge_into_one_document(
    desk: InProcessDesk
) -> None:
    card = await desk.post()
    first = await do_save_draft(desk.db, card["id"], draft_update("Hello"), editors=[
        desk.agent.id])
    # Another process's copy started from the stored document and added words.
    other: Doc[Text] = Doc()
    other.apply_update(first.document)
    text = other.get(TEXT_ROOT, type=Text)
    text += ", we are on it"
    merged = await do_save_draft(desk.db, card["id"], other.get_update(),
                                 editors=[desk.colleague.id, desk.agent.id])

    assert merged.text == "Hello, we are on it" and merged.version == first.version + 1
    stored = await load_draft(desk.db, card["id"])
    assert stored is not None and text_of(stored.document) == "Hello, we are on it"
    # Each person's first edit is audited once, not every save.
    assert sorted(a.actor_id for a in await desk.audits("draft.edit")) == sorted(
        [desk.agent.id, desk.colleague.id])
    again = await do_save_draft(desk.db, card["id"], other.get_update(), editors=[desk.agent.id])
    assert again.version == merged.version


def test_bytes_that_are_no_document_update_are_refused() -> None:
    check_update(draft_update("fine"))
    with pytest.raises(Invalid):
        check_update(b"\xff\x00 not yjs")
