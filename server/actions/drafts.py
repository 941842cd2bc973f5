"""Reply drafts: who may write one, invitations by the claim holder, storing the document.

The draft is a CRDT document (Yjs format, one Y.Text named TEXT_ROOT) that the editors
change live; realtime/drafts.py carries their updates and calls `do_save_draft` now and
then. Saving is read-merge-write in one transaction, so several processes that each hold
a copy of the document merge into the stored one instead of overwriting each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Text, get_state
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.db import Database, Tx
from server.errors import N_, Conflict, DeskError, Forbidden, Invalid, NotFound
from server.events import DraftInvited, DraftUninvited, UserRef, event_row
from server.models import Draft, Role, Thread, User, utcnow
from server.permissions import Actor

TEXT_ROOT = "draft"  # the shared Y.Text every editor binds to


class DraftLocked(Conflict):
    code = "draft_locked"

    def __init__(self) -> None:
        super().__init__(N_("The reply is waiting for approval and cannot be changed now."))


class ClaimFirst(Conflict):
    code = "claim_first"

    def __init__(self) -> None:
        super().__init__(N_("Claim the thread before writing its reply."))


class NotInvited(Conflict):
    code = "not_invited"

    def __init__(self, holder_id: int, holder_name: str) -> None:
        super().__init__(
            N_("%(holder_name)s holds this thread; ask them to invite you to the draft."),
            holder_id=holder_id, holder_name=holder_name,
        )


class NotHolder(Conflict):
    code = "not_holder"

    def __init__(self) -> None:
        super().__init__(N_("Only the person holding the thread can invite others to its draft."))


@dataclass(frozen=True)
class DraftAccess:
    """What one person may do with one thread's draft right now."""

    thread_id: int
    state: str
    holder: UserRef | None
    invited: list[int]
    refusal: DeskError | None

    @property
    def may_edit(self) -> bool:
        return self.refusal is None

    def check(self) -> None:
        if self.refusal is not None:
            raise self.refusal


def text_of(document: bytes | None) -> str:
    doc: Doc[Text] = Doc()
    if document:
        doc.apply_update(document)
    return str(doc.get(TEXT_ROOT, type=Text))


def check_update(update: bytes) -> None:
    """Refuse bytes that are not a Yjs update, before they reach a shared document."""
    try:
        Doc().apply_update(update)
    except Exception:
        raise Invalid("This is not a document update.") from None


def _claim_live(thread: Any) -> bool:
    return thread.claim_holder_id is not None and (
        thread.claim_expires_at is not None and thread.claim_expires_at > utcnow()
    )


def _effective_invited(draft: Any, claim_token: int) -> list[int]:
    # Invitations belong to the claim they were made under: release, expiry or a take-over
    # bump the token, and the next holder starts without the previous holder's guests.
    if draft is None or draft.invited_claim_token != claim_token:
        return []
    return list(draft.invited or [])


async def draft_access(
    session: AsyncSession, actor: Actor, thread_id: int, *, open_when_unclaimed: bool
) -> DraftAccess:
    """Read who may write the draft; raises only when the thread is not there to see."""
    actor.require("thread.view")
    row = (
        await session.execute(
            select(col(Thread.claim_holder_id), col(Thread.claim_expires_at),
                   col(Thread.claim_token), col(User.name), col(Draft.state),
                   col(Draft.invited), col(Draft.invited_claim_token))
            .outerjoin(User, col(User.id) == col(Thread.claim_holder_id))
            .outerjoin(Draft, col(Draft.thread_id) == col(Thread.id))
            .where(col(Thread.id) == thread_id)
        )
    ).first()
    if row is None:
        raise NotFound("There is no thread %(id)s.", id=thread_id)
    holder = UserRef(id=row.claim_holder_id, name=row.name) if _claim_live(row) else None
    invited = _effective_invited(row if row.state is not None else None, row.claim_token)
    state = row.state or "editing"
    refusal: DeskError | None = None
    if not actor.can("draft.edit"):
        refusal = Forbidden("draft.edit")
    elif state != "editing":
        refusal = DraftLocked()
    elif holder is None:
        refusal = None if open_when_unclaimed else ClaimFirst()
    elif holder.id != actor.id and actor.id not in invited:
        refusal = NotInvited(holder.id, holder.name)
    return DraftAccess(thread_id, state, holder, invited, refusal)


async def people(session: AsyncSession, user_ids: Sequence[int]) -> list[UserRef]:
    """Names for ids, in the order given (unknown ids are left out)."""
    if not user_ids:
        return []
    rows = (await session.execute(
        select(col(User.id), col(User.name)).where(col(User.id).in_(list(user_ids)))
    )).all()
    names = {row.id: row.name for row in rows}
    return [UserRef(id=i, name=names[i]) for i in user_ids if i in names]


async def writers(session: AsyncSession) -> list[UserRef]:
    """Active people whose role lets them write drafts: whom a holder can invite."""
    rows = (await session.execute(
        select(col(User.id), col(User.name), col(Role.permissions))
        .join(Role, col(Role.id) == col(User.role_id))
        .where(col(User.active)).order_by(col(User.name))
    )).all()
    return [UserRef(id=r.id, name=r.name) for r in rows if "draft.edit" in (r.permissions or [])]


async def _locked_draft(tx: Tx, thread_id: int) -> Draft:
    """The thread's draft row, created if missing and locked until commit (PostgreSQL).

    On SQLite the write transaction already holds the database's only write lock.
    """
    insert = pg_insert if tx.dialect == "postgresql" else sqlite_insert
    await tx.session.execute(
        insert(Draft).values(
            thread_id=thread_id, state="editing", text="", authors=[], invited=[], version=0,
            updated_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["thread_id"])
    )
    draft = await tx.session.scalar(
        select(Draft).where(col(Draft.thread_id) == thread_id).with_for_update()
    )
    assert draft is not None
    return draft


async def _held_thread(tx: Tx, actor: Actor, thread_id: int) -> Thread:
    thread = await tx.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound("There is no thread %(id)s.", id=thread_id)
    if not (_claim_live(thread) and thread.claim_holder_id == actor.id):
        raise NotHolder()
    return thread


async def do_invite(db: Database, actor: Actor, thread_id: int, user_id: int) -> list[UserRef]:
    """The holder lets one more person write the draft; returns everyone invited."""
    actor.require("draft.edit")
    async with db.write() as tx:
        thread = await _held_thread(tx, actor, thread_id)
        user = await tx.session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("There is no active user %(id)s.", id=user_id)
        if user_id == actor.id:
            raise Invalid("You hold the thread and can write its draft already.")
        role = await tx.session.get(Role, user.role_id)
        if role is None or "draft.edit" not in role.permissions:
            raise Invalid("%(name)s may not write drafts.", name=user.name)
        draft = await _locked_draft(tx, thread_id)
        invited = _effective_invited(draft, thread.claim_token)
        if user_id in invited:
            return await people(tx.session, invited)
        draft.invited = [*invited, user_id]
        draft.invited_claim_token = thread.claim_token
        refs = await people(tx.session, draft.invited)
        tx.audit("draft.invite", actor.id, thread_id, user_id=user_id)
        tx.emit(event_row(
            DraftInvited(thread_id=thread_id, user=UserRef(id=user_id, name=user.name),
                         by=UserRef(id=actor.id, name=actor.name), invited=refs),
            thread_id=thread_id,
        ))
    return refs


async def do_uninvite(db: Database, actor: Actor, thread_id: int, user_id: int) -> list[UserRef]:
    """The holder takes an invitation back, or a guest leaves; returns everyone invited."""
    actor.require("draft.edit")
    async with db.write() as tx:
        thread = await tx.session.get(Thread, thread_id)
        if thread is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        if user_id != actor.id:
            await _held_thread(tx, actor, thread_id)
        draft = await _locked_draft(tx, thread_id)
        invited = _effective_invited(draft, thread.claim_token)
        if user_id not in invited:
            return await people(tx.session, invited)
        draft.invited = [i for i in invited if i != user_id]
        refs = await people(tx.session, draft.invited)
        user = await tx.session.get(User, user_id)
        tx.audit("draft.uninvite", actor.id, thread_id, user_id=user_id)
        tx.emit(event_row(
            DraftUninvited(thread_id=thread_id,
                           user=UserRef(id=user_id, name=user.name if user else "?"),
                           by=UserRef(id=actor.id, name=actor.name), invited=refs),
            thread_id=thread_id,
        ))
    return refs


@dataclass(frozen=True)
class SavedDraft:
    document: bytes  # the merged, stored document
    text: str
    version: int


async def do_save_draft(
    db: Database, thread_id: int, document: bytes, *, editors: Sequence[int],
    seen_message_id: int | None = None,
) -> SavedDraft:
    """Merge a process's copy of the document into the stored draft (one transaction).

    Only editors whose updates the server accepted are passed in; a first edit by
    someone is audited once, not every keystroke.
    """
    async with db.write() as tx:
        draft = await _locked_draft(tx, thread_id)
        stored = draft.document
        doc: Doc[Text] = Doc()
        if stored:
            doc.apply_update(stored)
        doc.apply_update(document)
        merged = doc.get_update()
        text = str(doc.get(TEXT_ROOT, type=Text))
        # A deletion leaves the state vector alone but always changes the plain text.
        changed = stored is None or text != draft.text or get_state(merged) != get_state(stored)
        new_authors = [e for e in dict.fromkeys(editors) if e not in draft.authors]
        seen = max(filter(None, (draft.seen_message_id, seen_message_id)), default=None)
        if changed:
            draft.document = merged
            draft.text = text
            draft.version += 1
        if changed or new_authors or seen != draft.seen_message_id:
            draft.authors = [*draft.authors, *new_authors]
            draft.seen_message_id = seen
            if editors:
                draft.updated_by_id = editors[-1]
            draft.updated_at = utcnow()
        for author in new_authors:
            tx.audit("draft.edit", author, thread_id)
        return SavedDraft(draft.document or merged, draft.text, draft.version)


async def load_draft(db: Database, thread_id: int) -> SavedDraft | None:
    async with db.read() as session:
        row = (await session.execute(
            select(col(Draft.document), col(Draft.text), col(Draft.version))
            .where(col(Draft.thread_id) == thread_id)
        )).first()
    if row is None:
        return None
    return SavedDraft(row.document or b"", row.text, row.version)


async def draft_version(db: Database, thread_id: int) -> int | None:
    async with db.read() as session:
        return await session.scalar(
            select(col(Draft.version)).where(col(Draft.thread_id) == thread_id)
        )


async def clear_draft(tx: Tx, thread_id: int) -> None:
    """Empty a thread's draft inside the caller's transaction (say, once its reply is sent).

    The text is deleted as a CRDT edit rather than by dropping the document: editors still
    online merge the deletion, where a fresh document would be merged back into the old
    text. Live editors see it after the caller's event, when their process re-reads it.
    """
    draft = await _locked_draft(tx, thread_id)
    doc: Doc[Text] = Doc()
    if draft.document:
        doc.apply_update(draft.document)
    text = doc.get(TEXT_ROOT, type=Text)
    if len(text):
        del text[0:len(text)]
    draft.document = doc.get_update()
    draft.text = ""
    draft.version += 1
    draft.state = "editing"
    draft.authors = []
    draft.seen_message_id = None
    draft.updated_at = utcnow()
