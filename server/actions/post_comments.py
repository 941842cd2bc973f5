"""An ingest step: comments on the brand's published posts join a thread linked to the post.

A public item that answers a published post (its `reply_to` is the post's id on the
network) puts its thread in `post_thread` and gives it the post's campaign tag. One SELECT
per batch, and only when the batch has replies at all; one INSERT for the links.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from server.actions.arrivals import Arrival
from server.db import Tx
from server.models import PostThread, ScheduledPost

LINK: Any = PostThread.__table__  # type: ignore[attr-defined]


class PostComments:
    async def arrived(self, tx: Tx, arrivals: Sequence[Arrival], now: datetime) -> None:
        answering = {a.item.reply_to for a in arrivals
                     if a.item.reply_to and a.item.visibility == "public"}
        if not answering:
            return
        rows = await tx.session.execute(
            select(col(ScheduledPost.id), col(ScheduledPost.channel_id),
                   col(ScheduledPost.external_id), col(ScheduledPost.campaign))
            .where(col(ScheduledPost.external_id).in_(answering),
                   col(ScheduledPost.status) == "published"))
        posts = {(channel_id, external_id): (post_id, campaign)
                 for post_id, channel_id, external_id, campaign in rows.all()}
        links = []
        for arrival in arrivals:
            found = posts.get((arrival.channel.id, arrival.item.reply_to))
            if found is None:
                continue
            post_id, campaign = found
            links.append({"post_id": post_id, "thread_id": arrival.thread.id})
            tags = list(arrival.thread.row.get("tags") or [])
            if campaign and campaign not in tags:
                arrival.thread.set("tags", [*tags, campaign])
        if links:
            insert = postgresql.insert(LINK) if tx.dialect == "postgresql" else \
                sqlite.insert(LINK)
            await tx.session.execute(insert.on_conflict_do_nothing(), links)
