"""The simulated networks' outgoing side: replies sent on simulator channels land here.

Nothing leaves the process; each reply is kept in memory with an id, once per idempotency
key, so `tandem demo` can answer its simulated customers.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

from channels.base import ChannelAccount, SendResult, ThreadRef

KEEP = 1000


@dataclass(frozen=True)
class SimulatedReply:
    external_id: str
    channel_id: int
    thread_key: str
    in_reply_to: str | None
    text: str
    visibility: str


class SimulatedNetwork:
    def __init__(self) -> None:
        self.sent: dict[str, SimulatedReply] = {}  # by idempotency key, oldest first
        self._ids = itertools.count(1)
        # Ids stay unique across restarts of the demo, as a real network's would.
        self._run = secrets.token_hex(4)

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        return self._accept(account, thread_ref, text, idempotency_key, "public")

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        return self._accept(account, thread_ref, text, idempotency_key, "private")

    def _accept(
        self, account: ChannelAccount, ref: ThreadRef, text: str, key: str, visibility: str
    ) -> SendResult:
        known = self.sent.get(key)
        if known is None:
            known = SimulatedReply(
                external_id=f"sim-{account.network}-{self._run}-{next(self._ids)}",
                channel_id=account.channel_id, thread_key=ref.thread_key,
                in_reply_to=ref.in_reply_to, text=text, visibility=visibility,
            )
            self.sent[key] = known
            while len(self.sent) > KEEP:
                del self.sent[next(iter(self.sent))]
        return SendResult(external_id=known.external_id)
