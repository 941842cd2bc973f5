"""Refuse a reply longer than its network takes, before it is submitted or sent."""

from __future__ import annotations

from channels.reply_length import length, reply_limit
from server.db import Tx
from server.errors import Invalid
from server.models import Channel, Thread


async def check_reply_length(tx: Tx, thread: Thread, text: str) -> None:
    channel = await tx.session.get(Channel, thread.channel_id)
    if channel is None:
        return
    rule = reply_limit(channel.network, thread.visibility)
    if rule is None:
        return
    counted = length(text, rule)
    if counted > rule.limit:
        raise Invalid(
            "%(network)s takes at most %(limit)d characters here; this reply counts "
            "%(count)d. Shorten it by %(over)d.",
            network=channel.network, limit=rule.limit, count=counted,
            over=counted - rule.limit,
        )
