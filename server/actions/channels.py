"""Connecting channels and reading their (encrypted) secrets."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlmodel import col

from server.crypto import SecretBox
from server.db import Database, Tx
from server.errors import Invalid, NotFound
from server.models import Channel
from server.permissions import Actor

NETWORKS = (
    "facebook",
    "instagram",
    "x",
    "youtube",
    "whatsapp",
    "mastodon",
    "telegram",
    "email",
    "webhook",
)


async def do_add_channel(
    tx: Tx,
    box: SecretBox,
    *,
    network: str,
    adapter: str,
    name: str,
    secret: str | None = None,
    actor: Actor | None = None,
    config: dict | None = None,
) -> tuple[Channel, str]:
    """Create a channel; returns it with its plain secret (shown once, stored encrypted)."""
    if actor is not None:
        actor.require("admin.channels")
    if network not in NETWORKS:
        raise Invalid("Unknown network %(value)s.", value=network)
    name = name.strip()
    if not name or len(name) > 120:
        raise Invalid("A channel needs a name of up to 120 characters.")
    plain = secret or secrets.token_urlsafe(32)
    channel = Channel(
        network=network,
        adapter=adapter,
        name=name,
        secret_encrypted=box.seal(plain),
        config=config or {},
    )
    tx.session.add(channel)
    await tx.session.flush()
    tx.audit(
        "channel.add",
        actor.id if actor else None,
        channel_id=channel.id,
        network=network,
        name=name,
    )
    return channel, plain


async def channel_with_secret(db: Database, box: SecretBox, channel_id: int) -> tuple[Channel, str]:
    async with db.read() as session:
        channel = await session.get(Channel, channel_id)
    if channel is None or not channel.active:
        raise NotFound("There is no channel %(id)s.", id=channel_id)
    return channel, box.open(channel.secret_encrypted or "")


async def channels_by_adapter(db: Database, adapter: str) -> list[Channel]:
    async with db.read() as session:
        return list(
            (await session.scalars(select(Channel).where(col(Channel.adapter) == adapter))).all()
        )
