"""The webhook sender: makes deliveries of committed events and POSTs them, signed.

Every process runs one. A round first moves the event cursor (server/actions/hooks.py makes
each event's deliveries once across processes), then sends what is due, up to 8 at a time,
outside any transaction. The request is signed like the generic webhook
(docs/webhooks.md): X-Tandem-Timestamp and X-Tandem-Signature over timestamp + "." + body,
with the subscription's secret; Idempotency-Key stays the same for every attempt.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import httpx

from channels.webhook import sign
from server.actions.hooks import (
    HookJob,
    due_deliveries,
    plan_deliveries,
    record_attempt,
    retry_after_seconds,
    take_delivery,
)
from server.desk import Desk
from server.models import NewEvent
from server.services.rounds import STOP_GRACE_SECONDS, Rounds, stop_within

log = logging.getLogger("tandem.hooks")

POLL_SECONDS = 1.0
CONCURRENCY = 8
TIMEOUT_SECONDS = 10.0
ANSWER_CHARS = 2000


class HookSender:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._rounds = Rounds("webhook sender", POLL_SECONDS, self._round)
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._sending: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        self._subscribed = False

    async def start(self) -> None:
        self._http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        self._rounds.start()

    async def stop(self) -> None:
        await self._rounds.stop()
        await asyncio.gather(*(stop_within(t, STOP_GRACE_SECONDS) for t in list(self._tasks)))
        if self._http is not None:
            await self._http.aclose()

    async def committed(self, events: Sequence[NewEvent]) -> None:
        """The after-commit subscriber: a desk change may be someone's webhook now. Without
        subscriptions (as the last round found) ingest's commits wake nothing: the hot path
        pays no read for webhooks nobody wants; a new subscription is seen within a poll."""
        if self._subscribed and any(e.user_id is None for e in events):
            self._rounds.wake()

    async def _round(self) -> None:
        planned = await plan_deliveries(self.desk.db)
        self._subscribed = planned is not None
        if planned is None:
            return
        for delivery_id in await due_deliveries(self.desk.db):
            if delivery_id in self._sending:
                continue
            self._sending.add(delivery_id)
            task = asyncio.create_task(self._deliver(delivery_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, delivery_id: int) -> None:
        try:
            async with self._slots:
                job = await take_delivery(self.desk.db, self.desk.box, delivery_id)
                if job is not None:
                    await self._post(job)
        except Exception:
            log.exception("webhook delivery %s failed; it is tried again", delivery_id)
        finally:
            self._sending.discard(delivery_id)

    async def _post(self, job: HookJob) -> None:
        assert self._http is not None
        body = job.body.encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json", "User-Agent": "Tandem-Webhooks",
            "X-Tandem-Timestamp": stamp, "X-Tandem-Signature": sign(job.secret, stamp, body),
            "X-Tandem-Event": job.event_type, "Idempotency-Key": job.key,
        }
        first = self.desk.settings.hook_first_retry_seconds
        try:
            answer = await self._http.post(job.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            status = await record_attempt(self.desk.db, job, None,
                                          f"{type(error).__name__}: {error}"[:ANSWER_CHARS],
                                          first_retry=first)
        else:
            status = await record_attempt(
                self.desk.db, job, answer.status_code, answer.text[:ANSWER_CHARS],
                first_retry=first,
                retry_after=retry_after_seconds(answer.headers.get("retry-after")))
        log.info("webhook %s to %s: %s", job.key, job.url, status)
