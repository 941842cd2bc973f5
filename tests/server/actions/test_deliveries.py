"""server/actions/deliveries.py: the networks' delivery reports only ever move a message
forward (sent, delivered, read); a failure ends it unless it was delivered."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from channels.base import DeliveryUpdate
from server.actions.deliveries import do_record_deliveries, moves_forward
from server.models import Message
from tests.support.inprocess import InProcessDesk
from tests.support.scenes import failed_send


@pytest.mark.parametrize(("current", "reported", "moves"), [
    ("sent", "delivered", True), ("delivered", "read", True), ("read", "sent", False),
    ("delivered", "delivered", False), ("sent", "failed", True), ("delivered", "failed", False),
    ("failed", "read", False), ("queued", "sent", True),
])
def test_a_status_moves_forward_only(current: str, reported: str, moves: bool) -> None:
    assert moves_forward(current, reported) is moves


async def sent_message(desk: InProcessDesk) -> int:
    """An outgoing message the network took, with its id there."""
    _, message_id = await failed_send(desk)
    async with desk.db.write() as tx:
        await tx.session.execute(update(Message).where(col(Message.id) == message_id)
                                 .values(delivery_status="sent", external_id="wamid.1"))
    return message_id


async def status(desk: InProcessDesk, message_id: int) -> tuple[str, str | None]:
    async with desk.db.read() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message.delivery_status, message.delivery_error


async def test_reports_in_any_order_leave_the_furthest_status(desk: InProcessDesk) -> None:
    message_id = await sent_message(desk)

    async with desk.capture() as got:
        changed = await do_record_deliveries(desk.db, desk.channel_id, [
            DeliveryUpdate("wamid.1", "read"), DeliveryUpdate("wamid.1", "delivered"),
            DeliveryUpdate("wamid.1", "failed", "too late"),
            DeliveryUpdate("not-ours", "read")])

    assert changed == 1 and await status(desk, message_id) == ("read", None)
    [shown] = got.of("message.delivery")
    assert (shown["message_id"], shown["status"]) == (message_id, "read")


async def test_a_failure_report_is_shown_with_its_reason_and_audited(
    desk: InProcessDesk
) -> None:
    message_id = await sent_message(desk)

    await do_record_deliveries(desk.db, desk.channel_id,
                               [DeliveryUpdate("wamid.1", "failed", "x" * 600)])

    assert await status(desk, message_id) == ("failed", "x" * 500)
    [audit] = await desk.audits("reply.delivery_failed")
    assert audit.detail["message_id"] == message_id


async def test_reports_of_another_channel_change_nothing(desk: InProcessDesk) -> None:
    await sent_message(desk)
    before = await desk.footprint()

    assert await do_record_deliveries(desk.db, 99999, [DeliveryUpdate("wamid.1", "read")]) == 0
    assert await do_record_deliveries(desk.db, desk.channel_id, []) == 0

    assert await desk.footprint() == before
