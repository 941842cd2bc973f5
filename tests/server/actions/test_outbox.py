"""server/actions/outbox.py: replies leave through the outbox, each attempt fenced, one
idempotency key per reply, retries with backoff, failures shown."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from channels.base import ChannelAccount, SendResult, ThreadRef
from server.actions.outbox import (
    BACKOFF_CAP,
    LONGEST_ASKED_WAIT,
    SendJob,
    backoff,
    record_sent,
    start_sending,
    webhook_config,
)
from server.errors import Invalid
from server.models import Message, OutboxItem
from tests.support.fake_reply_endpoint import FakeReplyEndpoint
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import claimed, failed_send, write_draft


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FakeReplyEndpoint]:
    running = FakeReplyEndpoint().start()
    yield running
    running.stop()


async def channel_at(desk: InProcessDesk, endpoint: FakeReplyEndpoint) -> int:
    name = secrets.token_hex(4)
    made = await desk.ok(desk.admin, "POST", "/api/channels", json={
        "network": "webhook", "name": "Shop", "reply_url": f"{endpoint.url}/replies/{name}"})
    endpoint.address(name, made["secret"])
    desk.channel_secrets[made["id"]] = made["secret"]
    return made["id"]


async def send_reply(desk: InProcessDesk, channel_id: int, text: str = "Your answer"
                     ) -> tuple[dict[str, Any], int]:
    """A private reply (sent without approval) on the channel: the thread, the message id."""
    card = await claimed(desk, "Question", visibility="private", channel_id=channel_id)
    await write_draft(desk, card["id"], text)
    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")
    return card, sent["message_id"]


async def outbox_of(desk: InProcessDesk, message_id: int) -> tuple[Message, OutboxItem]:
    async with desk.db.read() as session:
        message = await session.get(Message, message_id)
        item = await session.scalar(select(OutboxItem).where(
            col(OutboxItem.message_id) == message_id))
    assert message is not None and item is not None
    return message, item


async def test_a_reply_is_handed_to_the_network_once_and_shown_sent(
    desk: InProcessDesk, endpoint: FakeReplyEndpoint
) -> None:
    channel_id = await channel_at(desk, endpoint)
    async with desk.capture() as got:
        _, message_id = await send_reply(desk, channel_id)

    message, item = await outbox_of(desk, message_id)
    published = endpoint.published[item.idempotency_key]
    assert published.body["text"] == "Your answer" and endpoint.attempts_for(published.key) == 1
    assert (message.delivery_status, message.external_id) == ("sent", published.id)
    assert (item.status, item.attempts) == ("sent", 1)
    assert [d["status"] for d in got.of("message.delivery")] == ["sending", "sent"]


async def test_a_temporary_refusal_schedules_another_attempt_a_permanent_one_fails(
    desk: InProcessDesk, endpoint: FakeReplyEndpoint
) -> None:
    channel_id = await channel_at(desk, endpoint)
    endpoint.fail(1, 503)
    _, waiting = await send_reply(desk, channel_id)
    message, item = await outbox_of(desk, waiting)
    assert (item.status, item.attempts, message.delivery_status) == ("retry", 1, "queued")
    assert "503" in (item.last_error or "")

    endpoint.fail(1, 400)
    _, refused = await send_reply(desk, channel_id)
    message, item = await outbox_of(desk, refused)
    assert (item.status, message.delivery_status) == ("failed", "failed")


async def test_a_retry_sends_again_under_the_same_key_and_only_a_failed_reply(
    desk: InProcessDesk
) -> None:
    _, message_id = await failed_send(desk)
    _, item = await outbox_of(desk, message_id)
    key = item.idempotency_key

    async with desk.capture() as got:
        await desk.ok(desk.agent, "POST", f"/api/messages/{message_id}/retry")

    _, item = await outbox_of(desk, message_id)
    assert item.idempotency_key == key and item.attempts == 1  # counted afresh, failed again
    assert [d["status"] for d in got.of("message.delivery")] == ["queued", "sending", "failed"]
    assert [a.detail["message_id"] for a in await desk.audits("reply.retry")] == [message_id]
    card = await desk.post()
    await desk.refuses(desk.agent, "POST", "/api/messages/99999/retry", 404, "not_found")
    incoming = (await desk.ok(desk.admin, "GET", f"/api/threads/{card['id']}"))["messages"][0]
    await desk.refuses(desk.agent, "POST", f"/api/messages/{incoming['id']}/retry", 404,
                       "not_found")


async def test_an_attempt_that_lost_its_lease_cannot_record_its_outcome(
    desk: InProcessDesk
) -> None:
    _, message_id = await failed_send(desk)
    _, item = await outbox_of(desk, message_id)
    assert item.id is not None
    assert await start_sending(desk.db, desk.desk.box, item.id) is None  # failed: not due
    await desk.ok(desk.agent, "POST", f"/api/messages/{message_id}/retry")
    _, item = await outbox_of(desk, message_id)
    before = await desk.footprint()

    job = await _stale_job(desk, item.id)
    assert not await record_sent(desk.db, job, SendResult(external_id="late", raw={}))

    assert await desk.footprint() == before


async def _stale_job(desk: InProcessDesk, item_id: int) -> Any:
    """A job as an earlier sender held it: attempt 0, while the item has moved on."""
    account = ChannelAccount(channel_id=desk.channel_id, network="webhook", name="x",
                             external_account_id=None, config={}, secret="")
    return SendJob(item_id=item_id, attempt=0, message_id=0, thread_id=0, adapter="webhook",
                   account=account, ref=ThreadRef(thread_key="k", in_reply_to=None,
                                                  recipient_id=None, visibility="public",
                                                  customer_last_at=None),
                   text="", idempotency_key="")


def test_backoff_doubles_with_jitter_up_to_a_cap_and_obeys_the_network() -> None:
    assert 0.8 <= backoff(1) <= 1.2 and 3.2 <= backoff(3) <= 4.8
    assert backoff(30) <= BACKOFF_CAP * 1.2
    assert backoff(1, retry_after=42.0) == 42.0
    assert backoff(1, retry_after=10**9) == LONGEST_ASKED_WAIT


def test_a_reply_url_must_be_http() -> None:
    assert webhook_config(None) == {} and webhook_config("") == {}
    assert webhook_config("https://shop.test/r") == {"reply_url": "https://shop.test/r"}
    for bad in ("ftp://x", 5, "https://" + "x" * 2000):
        with pytest.raises(Invalid):
            webhook_config(bad)
