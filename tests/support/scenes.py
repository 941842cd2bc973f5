"""Arranging an in-process desk: threads, drafts, waiting approvals, failed sends, a
Facebook comment taken private. Each step goes through the desk's own commands."""

from __future__ import annotations

import re
import secrets
from typing import Any

from pycrdt import Doc, Text

from server.actions.accounts import actor_for_user
from server.actions.drafts import TEXT_ROOT, do_save_draft
from server.actions.tokens import do_create_own_token
from tests.fakes.meta_graph import Account, Customer, FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.inprocess import InProcessDesk, Person

CONNECTED = re.compile(r'data-connected-channel="(\d+)"')


async def new_person(desk: InProcessDesk, role: str = "service agent") -> Person:
    """Someone an admin adds now, with an API token they made themselves (an admin may
    issue tokens only for service accounts: server/actions/tokens.py)."""
    tag = secrets.token_hex(3)
    made = await desk.ok(desk.admin, "POST", "/api/users", json={
        "email": f"{tag}@desk.test", "name": f"Person {tag}", "role": role})
    async with desk.db.read() as session:
        actor = await actor_for_user(session, made["id"])
    assert actor is not None
    async with desk.db.write() as tx:
        token = await do_create_own_token(tx, actor, "tests")
    return Person(made["id"], made["email"], made["name"], "", token, role)


async def service_account(desk: InProcessDesk) -> dict[str, Any]:
    """A script's account an admin adds now (its tokens are the admin's to issue)."""
    tag = secrets.token_hex(3)
    return await desk.ok(desk.admin, "POST", "/api/users", json={
        "email": f"script-{tag}@desk.test", "name": f"Script {tag}", "role": "viewer",
        "service_account": True})


def draft_update(text: str) -> bytes:
    """A Yjs update that writes `text` into a fresh draft document."""
    doc: Doc[Text] = Doc()
    doc[TEXT_ROOT] = Text(text)
    return doc.get_update()


async def newest_message(desk: InProcessDesk, thread_id: int) -> int:
    shown = await desk.ok(desk.admin, "GET", f"/api/threads/{thread_id}")
    return shown["messages"][-1]["id"]


async def write_draft(desk: InProcessDesk, thread_id: int, text: str,
                      *writers: Person) -> None:
    """What the editors' keystrokes leave in the draft row (realtime/drafts.py saves them
    so), having seen the thread's newest message."""
    await do_save_draft(desk.db, thread_id, draft_update(text),
                        editors=[p.id for p in writers or (desk.agent,)],
                        seen_message_id=await newest_message(desk, thread_id))


async def claimed(desk: InProcessDesk, text: str = "Where is my parcel?",
                  person: Person | None = None, **extra: Any) -> dict[str, Any]:
    """A customer's new thread, claimed by `person` (the agent); its card after the claim."""
    card = await desk.post(text, **extra)
    await desk.ok(person or desk.agent, "POST", f"/api/threads/{card['id']}/claim")
    return card


async def submitted(desk: InProcessDesk, text: str = "Thanks, we are on it.",
                    **extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The agent's reply to a new public thread, waiting for approval (the default policy
    asks for it on public replies): the thread's card and the submit's answer."""
    card = await claimed(desk, **extra)
    await write_draft(desk, card["id"], text)
    answer = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")
    return card, answer


async def failed_send(desk: InProcessDesk) -> tuple[dict[str, Any], int]:
    """A private reply sent at once (no approval for private replies by default) that the
    channel cannot deliver (it has no reply_url): the thread and the failed message's id."""
    card = await claimed(desk, "A private question", visibility="private")
    await write_draft(desk, card["id"], "A private answer")
    sent = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/reply/submit")
    assert sent["status"] == "sent", sent
    panel = await desk.ok(desk.agent, "GET", f"/api/threads/{card['id']}/reply")
    assert panel["reply"]["deliveries"][-1]["status"] == "failed", panel
    return card, sent["message_id"]


async def connect(desk: InProcessDesk, adapter: str, **fields: str) -> int:
    """Connect a network's channel as an admin does (the /admin/channels form)."""
    response = await desk.http.post(f"/admin/channels/{adapter}", headers=desk.admin.headers,
                                    data=fields)
    assert response.status_code == 201, response.text
    found = CONNECTED.search(response.text)
    assert found, response.text
    return int(found.group(1))


async def facebook_page(desk: InProcessDesk, meta: FakeMeta) -> tuple[Account, int]:
    """A Facebook page of the fake Meta, connected: the page and its channel's id."""
    page = meta.account("facebook")
    channel_id = await connect(desk, page.network, name=f"{page.network} {page.id}",
                               account_id=page.id, access_token=page.token,
                               app_secret=page.app_secret, verify_token=page.verify_token)
    return page, channel_id


async def from_meta(desk: InProcessDesk, channel_id: int, page: Account,
                    payload: dict[str, Any]) -> None:
    """Meta's signed webhook, as the network sends it."""
    body, headers = FakeMeta.signed(payload, page.app_secret)
    response = await desk.http.post(f"/webhooks/meta/{channel_id}", content=body,
                                    headers=headers)
    assert response.is_success, response.text
    await desk.settle()


async def facebook_comment(desk: InProcessDesk, meta: FakeMeta, text: str,
                           customer: Customer | None = None,
                           page: tuple[Account, int] | None = None) -> dict[str, Any]:
    """A customer's comment on a connected Facebook page: its thread's card."""
    account, channel_id = page or await facebook_page(desk, meta)
    comment = meta.comment(account, customer or meta.customer("Fiona Facebook"), text)
    await from_meta(desk, channel_id, account, meta.comment_webhook(comment))
    return await desk.card_with(text)


async def tweet(desk: InProcessDesk, x: FakeX, text: str) -> dict[str, Any]:
    """A customer's tweet at a connected X account, through X's signed webhook."""
    brand = x.account()
    channel_id = await connect(desk, "x", name=f"X {brand.screen_name}", account_id=brand.id,
                               access_token=brand.token, consumer_secret=brand.consumer_secret)
    made = x.tweet(x.user("Xaver X"), f"@brand {text}")
    body, headers = FakeX.signed(x.tweet_webhook(brand, made), brand.consumer_secret)
    response = await desk.http.post(f"/webhooks/x/{channel_id}", content=body, headers=headers)
    assert response.is_success, response.text
    await desk.settle()
    return await desk.card_with(text)


async def taken_private(desk: InProcessDesk, meta: FakeMeta, text: str = "My order is late"
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Facebook comment the agent took private: its card and take-private's answer. The
    private reply is sent and the private thread linked when this returns."""
    card = await facebook_comment(desk, meta, text)
    done = await desk.ok(desk.agent, "POST", f"/api/threads/{card['id']}/take-private",
                         json={"text": "We write to you privately."})
    return card, done
