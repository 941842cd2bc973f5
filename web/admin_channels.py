"""Admin page: connect a network account, and see how the desk reads each channel.

Each Connectable adapter names the fields connecting takes (`connect_fields`). Secret ones
are sealed with the desk's key and never shown again; the others are kept in the channel's
config. The page shows the webhook URL (and a generated verify token, once) to configure at
the network, and for channels the desk polls or streams, how reading goes
(server/services/watching.py).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.base import ChecksSettings, Connectable, ConnectField, SendError, SetsUpOnConnect
from channels.errors import InvalidSetting
from channels.http import pack_secrets
from server.actions.channels import do_add_channel
from server.actions.watches import account_of, do_restart_watch, watch_states
from server.desk import Desk
from server.errors import N_, DeskError, Invalid, NotFound
from server.models import Channel
from server.permissions import Actor
from web.forms import error_text, field, guard, is_htmx, page, path_id

PERMISSION = "admin.channels"
admin_channels = guard(PERMISSION)
# What watchers report (intake.report), in people's words; other keys show as they are.
REPORT_LABELS = {
    "quota_used": N_("Quota used today"),
    "quota_limit": N_("Daily quota"),
    "stream": N_("Stream"),
    "last_item_at": N_("Last item"),
    "polling_paused_until": N_("Polling paused until"),
    "mailbox": N_("Mailbox"),
    "waiting": N_("Waiting"),
}
REPORT_VALUES = {"connected": N_("connected"), "reconnecting": N_("reconnecting")}


def webhook_url(desk: Desk, channel: Channel) -> str | None:
    """Where the network posts to this channel; None for channels the desk reads itself."""
    path = desk.adapters.webhook_path(channel.adapter)
    if channel.adapter == "webhook":
        path = "generic"
    if path is None:
        return None
    return f"{desk.settings.base_url.rstrip('/')}/webhooks/{path}/{channel.id}"


async def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    desk: Desk = request.app.state.desk
    async with desk.db.read() as session:
        channels = list((await session.scalars(select(Channel).order_by(col(Channel.id)))).all())
    watched = await watch_states(desk.db)
    rows = [{"channel": c, "webhook_url": webhook_url(desk, c), "watch": watched.get(c.id or 0)}
            for c in channels]
    template = "admin/_channels_panel.html" if is_htmx(request) else "admin/channels.html"
    return page(request, template, status_code=status_code, rows=rows,
                adapters=desk.adapters.connectable(), report_labels=REPORT_LABELS,
                report_values=REPORT_VALUES, **context)


@admin_channels
async def channels_page(request: Request, actor: Actor) -> Response:
    return await _page(request)


def _entered(form: FormData, fields: tuple[ConnectField, ...]) -> dict[str, str]:
    names = ("name", "account_id", *(f.name for f in fields))
    return {name: field(form, name).strip() for name in names}


def check_connection(adapter: Connectable, entered: dict[str, str]
                     ) -> tuple[dict[str, str], dict[str, str]]:
    """Validate what the admin typed; returns (secrets to seal, config to keep). A generated
    field left empty (a verify token) is made here."""
    if not entered.get("name") or len(entered["name"]) > 120:
        raise Invalid("A channel needs a name of up to 120 characters.")
    account_id = entered.get("account_id", "")
    if not account_id or len(account_id) > 255 or any(c.isspace() for c in account_id):
        raise Invalid("Enter the account id the network shows (no spaces).")
    # The account id travels with the secrets, so the adapter can tell its own entries.
    sealed: dict[str, str] = {"account_id": account_id}
    config: dict[str, str] = {}
    for spec in adapter.connect_fields:
        value = entered.get(spec.name, "")
        if spec.generated and not value:
            value = secrets.token_urlsafe(24)
        if spec.required and not value:
            raise Invalid("%(name)s is required.", name=spec.label)
        if len(value) > 2000:
            raise Invalid("%(name)s is too long.", name=spec.label)
        if value:
            (sealed if spec.secret else config)[spec.name] = value
    if isinstance(adapter, ChecksSettings):
        try:
            adapter.check_fields({**sealed, **config})
        except InvalidSetting as wrong:  # the adapter's error, in the desk's words
            raise Invalid(wrong.message, **wrong.params) from None
    return sealed, config


@admin_channels
async def connect(request: Request, actor: Actor) -> Response:
    adapter_name = request.path_params["adapter"]
    desk: Desk = request.app.state.desk
    adapter = desk.adapters.connectable().get(adapter_name)
    if adapter is None:
        raise NotFound("There is no network %(id)s.", id=adapter_name)
    form = await request.form()
    entered = _entered(form, adapter.connect_fields)
    try:
        sealed, config = check_connection(adapter, entered)
        async with desk.db.write() as tx:
            channel, _ = await do_add_channel(
                tx, desk.box, network=adapter.network, adapter=adapter_name,
                name=entered["name"], secret=pack_secrets(sealed), actor=actor, config=config,
            )
            channel.external_account_id = entered["account_id"]
            await tx.session.flush()
    except DeskError as error:
        # Secrets are never echoed back into the form.
        kept = {"name": entered.get("name", ""), "account_id": entered.get("account_id", ""),
                **{f.name: entered.get(f.name, "") for f in adapter.connect_fields
                   if not f.secret}}
        return await _page(request, status_code=error.status, error=error_text(request, error),
                           error_adapter=adapter_name, entered=kept)
    url = webhook_url(desk, channel)
    setup_error = await _set_up(adapter, channel, desk, url)
    shown = {f.label: sealed[f.name] for f in adapter.connect_fields
             if f.generated and f.name in sealed and not entered.get(f.name)}
    return await _page(request, status_code=201, connected=channel, connected_url=url,
                       connected_generated=shown, setup_error=setup_error)


async def _set_up(adapter: Connectable, channel: Channel, desk: Desk, url: str | None
                  ) -> str | None:
    """Let the adapter tell the network about the new channel (Telegram's setWebhook);
    returns what went wrong, shown to the admin (the channel stays connected)."""
    if not isinstance(adapter, SetsUpOnConnect):
        return None
    try:
        await adapter.connected(account_of(channel, desk.box), url or "")
    except SendError as error:
        return error.message
    return None


@admin_channels
async def restart(request: Request, actor: Actor) -> Response:
    """Read a stopped or waiting channel again now (after fixing what stopped it)."""
    desk: Desk = request.app.state.desk
    async with desk.db.write() as tx:
        await do_restart_watch(tx, actor, path_id(request, "channel_id"))
    return await _page(request)


routes = [
    Route("/admin/channels", channels_page),
    Route("/admin/channels/{channel_id:int}/restart", restart, methods=["POST"]),
    Route("/admin/channels/{adapter:str}", connect, methods=["POST"]),
]
