"""Reading publishing: a post as people see it, the calendar's posts in a time range."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.events.board import UserRef
from server.events.publishing import PostView
from server.models import Channel, ScheduledPost, User
from server.models.time import iso

CALENDAR_LIMIT = 1000


async def _people(session: AsyncSession, ids: set[int]) -> dict[int, UserRef]:
    if not ids:
        return {}
    rows = await session.execute(select(col(User.id), col(User.name))
                                 .where(col(User.id).in_(list(ids))))
    return {user_id: UserRef(id=user_id, name=name) for user_id, name in rows.all()}


def _view(post: ScheduledPost, channel: Channel | None, people: dict[int, UserRef]) -> PostView:
    return PostView(
        id=post.id or 0, channel_id=post.channel_id,
        network=channel.network if channel else "", channel_name=channel.name if channel else "",
        campaign=post.campaign, text=post.text, publish_at=iso(post.publish_at) or "",
        time_zone=post.time_zone, status=post.status, paused=post.paused,
        author=people.get(post.author_id, UserRef(id=post.author_id, name="")),
        approved_by=people.get(post.approved_by_id) if post.approved_by_id else None,
        comment=post.comment, external_id=post.external_id, url=post.url, error=post.error,
        published_at=iso(post.published_at))


async def post_view(session: AsyncSession, post: ScheduledPost) -> PostView:
    channel = await session.get(Channel, post.channel_id)
    people = await _people(session, {post.author_id, *filter(None, [post.approved_by_id])})
    return _view(post, channel, people)


async def calendar(session: AsyncSession, since: datetime, until: datetime) -> list[PostView]:
    """The posts planned or published from `since` to `until`, in time order."""
    posts = (await session.scalars(
        select(ScheduledPost).where(col(ScheduledPost.publish_at) >= since,
                                    col(ScheduledPost.publish_at) < until)
        .order_by(col(ScheduledPost.publish_at), col(ScheduledPost.id))
        .limit(CALENDAR_LIMIT))).all()
    channels = {c.id: c for c in (await session.scalars(select(Channel).where(
        col(Channel.id).in_({p.channel_id for p in posts})))).all()}
    people = await _people(session, {p.author_id for p in posts} |
                           {p.approved_by_id for p in posts if p.approved_by_id})
    return [_view(p, channels.get(p.channel_id), people) for p in posts]
