"""Publishing the brand's own posts: compose, change, submit, approve or reject, pause all.

A post is composed for one channel (a network account) and checked against that network's
rules (channels.base.PublishRules) when it is submitted. An approver who neither wrote it
nor changed it approves it (four eyes, as for replies); changing its text afterwards sends
it back to draft, moving its time (the calendar's drag) keeps the approval. "Pause all
scheduled" sets every waiting post aside; resuming asks first (`confirm`), and names the
posts whose time has passed meanwhile, since those would go out at once. The publish
service (server/services/publishing.py) takes each approved, unpaused post at its time.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlmodel import col

from channels.base import PostPublisher, PublishRules
from server.actions.replies import FourEyes, ServiceAccount
from server.db import Database, Tx
from server.errors import N_, Conflict, Invalid, NotFound
from server.events.base import event_row
from server.events.board import UserRef
from server.events.publishing import PostChanged, PublishingPaused
from server.models import Channel, ScheduledPost, User, utcnow
from server.permissions import Actor
from server.queries.publishing import post_view

MAX_TEXT = 63206  # Facebook's, the longest any network takes
EDITABLE = ("draft", "pending", "approved", "rejected")
WAITING = ("draft", "pending", "approved")  # what "pause all scheduled" sets aside
_LINK = re.compile(r"https?://\S+")


def rules_problem(rules: PublishRules, text: str) -> tuple[str, dict[str, int]] | None:
    """Why the network would not take `text` (an English message and its parameters)."""
    if not text.strip():
        return N_("A post needs some text."), {}
    length = len(text)
    if rules.link_chars is not None:
        length = sum(len(part) for part in _LINK.split(text)) + \
            rules.link_chars * len(_LINK.findall(text))
    if length > rules.max_chars:
        return (N_("This network takes at most %(limit)d characters; the post has "
                   "%(count)d."), {"limit": rules.max_chars, "count": length})
    if rules.needs_media:
        return N_("This network publishes images or videos, not text alone."), {}
    return None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("There is no time zone %(value)s.", value=name) from None


def moment(value: str) -> datetime:
    """An ISO 8601 time with its offset (the calendar sends one)."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("A time is ISO 8601 with an offset, such as "
                      "2026-12-24T09:00:00+01:00.") from None
    if parsed.tzinfo is None:
        raise Invalid("A time is ISO 8601 with an offset, such as "
                      "2026-12-24T09:00:00+01:00.")
    return parsed


async def _channel(tx: Tx, channel_id: int, publishers: Mapping[str, PostPublisher]
                   ) -> Channel:
    channel = await tx.session.get(Channel, channel_id)
    if channel is None or not channel.active:
        raise NotFound("There is no channel %(id)s.", id=channel_id)
    if channel.adapter not in publishers:
        raise Invalid("Posts cannot be published on %(network)s channels.",
                      network=channel.network)
    return channel


async def _post(tx: Tx, post_id: int) -> ScheduledPost:
    post = await tx.session.get(ScheduledPost, post_id)
    if post is None:
        raise NotFound("There is no post %(id)s.", id=post_id)
    return post


async def _emit(tx: Tx, post: ScheduledPost) -> dict[str, Any]:
    await tx.session.flush()
    view = await post_view(tx.session, post)
    tx.emit(event_row(PostChanged(post=view)))
    return view.model_dump(mode="json")


async def do_compose(db: Database, actor: Actor, publishers: Mapping[str, PostPublisher], *,
                     channel_id: int, text: str, publish_at: str, time_zone: str,
                     campaign: str) -> dict[str, Any]:
    zone(time_zone)
    when = moment(publish_at)
    async with db.write() as tx:
        await _channel(tx, channel_id, publishers)
        post = ScheduledPost(channel_id=channel_id, text=text, publish_at=when,
                             time_zone=time_zone, campaign=campaign.strip(),
                             author_id=actor.id, idempotency_key=secrets.token_hex(16))
        tx.session.add(post)
        await tx.session.flush()
        tx.audit("post.compose", actor.id, post_id=post.id, channel_id=channel_id)
        return await _emit(tx, post)


async def do_change(db: Database, actor: Actor, post_id: int, *, text: str | None,
                    publish_at: str | None, time_zone: str | None,
                    campaign: str | None) -> dict[str, Any]:
    """Change a post that has not gone out. New text needs approval again; a new time does
    not (moving it in the calendar)."""
    when = moment(publish_at) if publish_at is not None else None
    if time_zone is not None:
        zone(time_zone)
    async with db.write() as tx:
        post = await _post(tx, post_id)
        if post.status not in EDITABLE:
            raise Conflict("The post is %(status)s; it can no longer be changed.",
                           status=post.status)
        if text is not None and text != post.text:
            post.text = text
            if post.status in ("pending", "approved", "rejected"):
                post.status, post.approved_by_id = "draft", None
        if when is not None:
            post.publish_at = when
        if time_zone is not None:
            post.time_zone = time_zone
        if campaign is not None:
            post.campaign = campaign.strip()
        post.updated_at = utcnow()
        tx.session.add(post)
        tx.audit("post.change", actor.id, post_id=post_id, moved=when is not None,
                 new_text=text is not None)
        return await _emit(tx, post)


async def do_submit(db: Database, actor: Actor, publishers: Mapping[str, PostPublisher],
                    post_id: int) -> dict[str, Any]:
    async with db.write() as tx:
        post = await _post(tx, post_id)
        if post.status not in ("draft", "rejected"):
            raise Conflict("The post is %(status)s; only a draft is submitted.",
                           status=post.status)
        channel = await _channel(tx, post.channel_id, publishers)
        problem = rules_problem(publishers[channel.adapter].publish_rules, post.text)
        if problem:
            raise Invalid(problem[0], **problem[1])
        post.status, post.comment, post.updated_at = "pending", None, utcnow()
        tx.session.add(post)
        tx.audit("post.submit", actor.id, post_id=post_id)
        return await _emit(tx, post)


async def do_decide(db: Database, actor: Actor, post_id: int, *, approve: bool,
                    comment: str = "") -> dict[str, Any]:
    async with db.write() as tx:
        post = await _post(tx, post_id)
        if post.status != "pending":
            raise Conflict("The post is %(status)s; only a submitted post is approved or "
                           "rejected.", status=post.status)
        if actor.service_account:
            raise ServiceAccount()
        if post.author_id == actor.id:
            raise FourEyes(N_("You wrote this post; somebody else has to approve it."))
        if approve:
            post.status, post.approved_by_id = "approved", actor.id
        else:
            post.status, post.comment = "rejected", comment.strip()[:500] or None
        post.updated_at = utcnow()
        tx.session.add(post)
        tx.audit("post.approve" if approve else "post.reject", actor.id, post_id=post_id)
        return await _emit(tx, post)


async def do_pause_all(db: Database, actor: Actor, reason: str = "") -> int:
    """Set every scheduled post aside (crisis mode calls this too); returns how many."""
    return await _set_paused(db, actor, True, reason)


async def do_resume_all(db: Database, actor: Actor, *, confirm: bool, now: datetime
                        ) -> dict[str, Any]:
    """Resume the paused posts, but only once asked: without `confirm`, a 409 names how
    many would resume and which are overdue (they would go out at once)."""
    async with db.read() as session:
        paused = (await session.scalars(select(ScheduledPost).where(
            col(ScheduledPost.paused), col(ScheduledPost.status).in_(WAITING)))).all()
    overdue = [p.id for p in paused if p.status == "approved" and p.publish_at <= now]
    if not confirm:
        raise Conflict("Resuming sends %(count)d paused posts on their way; %(overdue)d of "
                       "them are past their time and would go out at once. Confirm to "
                       "resume.", count=len(paused), overdue=len(overdue))
    return {"resumed": await _set_paused(db, actor, False, ""), "overdue": overdue}


async def _set_paused(db: Database, actor: Actor, on: bool, reason: str) -> int:
    async with db.write() as tx:
        changed = (await tx.session.scalars(
            update(ScheduledPost)
            .where(col(ScheduledPost.paused) != on, col(ScheduledPost.status).in_(WAITING))
            .values(paused=on, updated_at=utcnow())
            .returning(ScheduledPost))).all()
        for post in changed:
            await _emit(tx, post)
        user = await tx.session.get(User, actor.id)
        tx.audit("publishing.pause" if on else "publishing.resume", actor.id,
                 posts=len(changed), reason=reason)
        tx.emit(event_row(PublishingPaused(
            on=on, posts=len(changed), reason=reason,
            by=UserRef(id=actor.id, name=user.name if user else actor.name))))
    return len(changed)
