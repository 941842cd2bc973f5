"""server/actions/channels.py: connecting channels, their secrets sealed at rest."""

from __future__ import annotations

import pytest

from server.actions.channels import do_add_channel
from server.errors import Invalid, NotFound
from server.models import Channel
from tests.support.inprocess import InProcessDesk, new_item


async def test_a_new_channel_shows_its_secret_once_and_keeps_it_sealed(
    desk: InProcessDesk
) -> None:
    made = await desk.ok(desk.admin, "POST", "/api/channels",
                         json={"network": "webhook", "name": " Shop form "})

    assert made["name"] == "Shop form" and len(made["secret"]) >= 32
    async with desk.db.read() as session:
        row = await session.get(Channel, made["id"])
    assert row is not None and made["secret"] not in (row.secret_encrypted or "")
    _, plain = await desk.desk.channels.with_secret(made["id"])
    assert plain == made["secret"]
    # Items signed with the shown secret are taken.
    desk.channel_secrets[made["id"]] = made["secret"]
    assert (await desk.webhook([new_item()], channel_id=made["id"])).status_code == 200
    assert [a.detail["name"] for a in await desk.audits("channel.add")][-1] == "Shop form"


async def test_bad_channels_are_refused_before_anything_is_stored(desk: InProcessDesk) -> None:
    await desk.refuses(desk.admin, "POST", "/api/channels", 400, "invalid",
                       json={"network": "webhook", "name": "X", "reply_url": "ftp://x"})
    await desk.refuses(desk.admin, "POST", "/api/channels", 400, "invalid",
                       json={"network": "fax", "name": "X"})
    await desk.refuses(desk.supervisor, "POST", "/api/channels", 403, "forbidden",
                       json={"network": "webhook", "name": "X"})
    async with desk.db.write() as tx:
        for network, name in (("myspace", "x"), ("webhook", " "), ("webhook", "x" * 121)):
            with pytest.raises(Invalid):
                await do_add_channel(tx, desk.desk.box, network=network, adapter="webhook",
                                     name=name)


async def test_an_unknown_channel_has_no_secret(desk: InProcessDesk) -> None:
    with pytest.raises(NotFound):
        await desk.desk.channels.with_secret(99999)
