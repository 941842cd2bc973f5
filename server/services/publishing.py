"""The publish service: every process takes the scheduled posts that are due and
publishes each once (server/actions/publishing_queue.py). Its clock can be given (tests
move time on instead of waiting); the network is called outside any transaction."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from channels.base import PermanentError, PostPublisher, TemporaryError
from server.actions import publishing_queue as queue
from server.desk import Desk
from server.models import utcnow
from server.services.rounds import Rounds

log = logging.getLogger("tandem.publishing")

TICK_SECONDS = 1.0
LEASE = timedelta(seconds=60)
FIRST_RETRY = 30.0


class PublishService:
    def __init__(self, desk: Desk, clock: Callable[[], datetime] = utcnow,
                 publishers: Mapping[str, PostPublisher] | None = None) -> None:
        self.desk = desk
        self.clock = clock
        self.publishers = dict(desk.adapters.publishers() if publishers is None
                               else publishers)
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._rounds = Rounds("publish service", TICK_SECONDS, self.publish_due)

    async def start(self) -> None:
        if self.publishers:
            self._rounds.start()
            self._rounds.wake()

    async def stop(self) -> None:
        await self._rounds.stop()

    def wake(self) -> None:
        self._rounds.wake()

    async def publish_due(self) -> int:
        """One round: publish what is due now; returns how many went out."""
        db = self.desk.db
        taken = await queue.take_due(db, self.desk.box, self.publishers, self.holder,
                                     self.clock(), LEASE)
        done = 0
        for post in taken:
            publisher = self.publishers[post.adapter]
            try:
                answer = await publisher.publish_post(post.account, post.text,
                                                      post.idempotency_key)
            except TemporaryError as error:
                await queue.retry_later(db, post.post_id, self.holder, self.clock(),
                                        error.message, error.retry_after or FIRST_RETRY)
                continue
            except PermanentError as error:
                await queue.failed(db, post.post_id, self.holder, self.clock(), error.message)
                continue
            if await queue.published(db, post.post_id, self.holder, self.clock(), answer):
                done += 1
            else:
                log.warning("post %s was published but its lease had gone", post.post_id)
        return done
