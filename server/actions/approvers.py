"""Handing an approval to a named colleague: when the supervisors on shift wrote the reply
themselves (four eyes rules them out) or are busy, one of them names who should decide.
The colleague is told; anyone eligible may still decide."""

from __future__ import annotations

from server.actions.replies import check_approval_open, is_author
from server.db import Database
from server.errors import Invalid, NotFound
from server.events import ApprovalHanded, ApprovalHandedToYou, UserRef, event_row
from server.models import Approval, Thread, User
from server.permissions import Actor
from server.queries.approvers import approvers_of
from server.queries.replies import approval_view


async def do_hand_over(db: Database, actor: Actor, approval_id: int, user_id: int) -> UserRef:
    async with db.write() as tx:
        approval = await tx.session.get(Approval, approval_id)
        if approval is None:
            raise NotFound("There is no reply waiting for approval with id %(id)s.",
                           id=approval_id)
        check_approval_open(approval)
        colleague = await tx.session.get(User, user_id)
        if colleague is None:
            raise Invalid("There is no user %(id)s.", id=user_id)
        if user_id not in {p.id for p in await approvers_of(tx.session, approval)}:
            raise Invalid(
                "%(name)s cannot approve this reply: they wrote or corrected it, or may not "
                "approve replies.", name=colleague.name)
        approval.handed_to_id = user_id
        tx.audit("reply.hand_over", actor.id, approval.thread_id, approval_id=approval_id,
                 to_user_id=user_id, by_author=is_author(actor.id, approval))
        await tx.session.flush()
        view = await approval_view(tx.session, approval)
        by = UserRef(id=actor.id, name=actor.name)
        tx.emit(event_row(ApprovalHanded(approval=view, by=by), thread_id=approval.thread_id))
        thread = await tx.session.get(Thread, approval.thread_id)
        tx.emit(event_row(
            ApprovalHandedToYou(approval_id=approval_id, thread_id=approval.thread_id, by=by,
                                customer_name=view.customer_name,
                                excerpt=thread.excerpt if thread else ""),
            thread_id=approval.thread_id, user_id=user_id,
        ))
        return UserRef(id=user_id, name=colleague.name)
