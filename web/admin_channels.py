"""Admin page: connect a network account (Facebook Page, Instagram account, X account).

Tokens and secrets are sealed with the desk's key before they are stored and are never shown
again; the page shows the webhook URL (and the verify token) to configure at the network.
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

from channels.http import pack_secrets
from channels.registry import ADAPTERS
from server.actions.channels import do_add_channel
from server.desk import Desk
from server.errors import N_, DeskError, Invalid, NotFound
from server.models import Channel
from server.permissions import Actor
from web.forms import error_text, field, guard, is_htmx, page

PERMISSION = "admin.channels"
admin_channels = guard(PERMISSION)
LABELS = {
    "access_token": N_("Access token"),
    "app_secret": N_("App secret"),
    "verify_token": N_("Verify token"),
    "consumer_secret": N_("Consumer secret"),
}
ACCOUNT_LABELS = {
    "facebook": N_("Page id"),
    "instagram": N_("Instagram account id"),
    "x": N_("Account (user) id"),
}


def connectable() -> dict[str, Any]:
    """The adapters an admin can connect here: those that declare their webhook route."""
    return {name: a for name, a in ADAPTERS.items() if getattr(a, "webhook_path", None)}


def webhook_url(desk: Desk, channel: Channel) -> str:
    adapter = ADAPTERS.get(channel.adapter)
    path = getattr(adapter, "webhook_path", None) or channel.adapter
    if path == "webhook":
        path = "generic"
    return f"{desk.settings.base_url.rstrip('/')}/webhooks/{path}/{channel.id}"


async def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    desk: Desk = request.app.state.desk
    async with desk.db.read() as session:
        channels = list((await session.scalars(select(Channel).order_by(col(Channel.id)))).all())
    rows = [{"channel": c, "webhook_url": webhook_url(desk, c)} for c in channels]
    template = "admin/_channels_panel.html" if is_htmx(request) else "admin/channels.html"
    return page(request, template, status_code=status_code, rows=rows,
                adapters=connectable(), labels=LABELS, account_labels=ACCOUNT_LABELS,
                **context)


@admin_channels
async def channels_page(request: Request, actor: Actor) -> Response:
    return await _page(request)


def _entered(form: FormData, fields: tuple[str, ...]) -> dict[str, str]:
    return {name: field(form, name).strip() for name in ("name", "account_id", *fields)}


def check_connection(adapter_name: str, entered: dict[str, str]) -> dict[str, str]:
    """Validate what the admin typed; returns the secrets to seal (a verify token is made)."""
    adapter = connectable().get(adapter_name)
    if adapter is None:
        raise NotFound("There is no network %(id)s.", id=adapter_name)
    if not entered.get("name") or len(entered["name"]) > 120:
        raise Invalid("A channel needs a name of up to 120 characters.")
    account_id = entered.get("account_id", "")
    if not account_id or len(account_id) > 255 or not account_id.replace("_", "").isalnum():
        raise Invalid("Enter the account id the network shows (letters and digits).")
    # The account id travels with the secrets, so the adapter can tell its own entries.
    values: dict[str, str] = {"account_id": account_id}
    for name in adapter.secret_fields:
        value = entered.get(name, "")
        if name == "verify_token" and not value:
            value = secrets.token_urlsafe(24)
        if not value or len(value) > 2000:
            raise Invalid("%(name)s is required.", name=LABELS.get(name, name))
        values[name] = value
    return values


@admin_channels
async def connect(request: Request, actor: Actor) -> Response:
    adapter_name = request.path_params["adapter"]
    adapter = connectable().get(adapter_name)
    if adapter is None:
        raise NotFound("There is no network %(id)s.", id=adapter_name)
    form = await request.form()
    entered = _entered(form, adapter.secret_fields)
    desk: Desk = request.app.state.desk
    try:
        values = check_connection(adapter_name, entered)
        async with desk.db.write() as tx:
            channel, _ = await do_add_channel(
                tx, desk.box, network=adapter.network, adapter=adapter_name,
                name=entered["name"], secret=pack_secrets(values), actor=actor,
            )
            channel.external_account_id = entered["account_id"]
            await tx.session.flush()
    except DeskError as error:
        # Secrets are never echoed back into the form.
        kept = {"name": entered.get("name", ""), "account_id": entered.get("account_id", "")}
        return await _page(request, status_code=error.status, error=error_text(request, error),
                           error_adapter=adapter_name, entered=kept)
    return await _page(request, status_code=201, connected=channel,
                       connected_url=webhook_url(desk, channel),
                       connected_verify_token=values.get("verify_token"))


routes = [
    Route("/admin/channels", channels_page),
    Route("/admin/channels/{adapter:str}", connect, methods=["POST"]),
]
