"""Connecting channels and reading their (encrypted) secrets."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import select
from sqlmodel import col

from server.crypto import SecretBox
from server.db import Database, Tx
from server.errors import Invalid, NotFound
from server.models import Channel
from server.permissions import Actor

CHANNEL_TTL = 5.0
SECRETS_KEPT = 1024

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


class ChannelCache:
    """Channel rows and their opened secrets, as webhooks need them: one per desk (create_app
    builds it and keeps it on the Desk as `desk.channels`).

    Every webhook needs its channel; a row read at most once per CHANNEL_TTL seconds saves a
    read session per request. A change to a channel (deactivated, secret replaced) reaches
    webhooks within the TTL.
    """

    def __init__(self, db: Database, box: SecretBox) -> None:
        self.db = db
        self.box = box
        self._rows: dict[int, tuple[float, Channel]] = {}
        self._secrets: dict[str, str] = {}

    async def channel(self, channel_id: int) -> Channel | None:
        cached = self._rows.get(channel_id)
        now = time.monotonic()
        if cached is not None:
            if cached[0] > now:
                return cached[1]
            # Callers arriving while this one reads keep the old row, instead of all reading.
            self._rows[channel_id] = (now + CHANNEL_TTL, cached[1])
        async with self.db.read() as session:
            channel = await session.get(Channel, channel_id)
        if channel is not None:
            self._rows[channel_id] = (now + CHANNEL_TTL, channel)
        return channel

    async def with_secret(self, channel_id: int) -> tuple[Channel, str]:
        """An active channel and its plain secret (NotFound for any other)."""
        channel = await self.channel(channel_id)
        if channel is None or not channel.active:
            raise NotFound("There is no channel %(id)s.", id=channel_id)
        return channel, self._opened(channel.secret_encrypted or "")

    def _opened(self, sealed: str) -> str:
        # Decrypting costs more than the rest of a signature check; a new secret is a new key.
        plain = self._secrets.get(sealed)
        if plain is None:
            if len(self._secrets) >= SECRETS_KEPT:
                self._secrets.clear()
            plain = self._secrets[sealed] = self.box.open(sealed)
        return plain


async def channels_by_adapter(db: Database, adapter: str) -> list[Channel]:
    async with db.read() as session:
        return list(
            (await session.scalars(select(Channel).where(col(Channel.adapter) == adapter))).all()
        )
