"""WhatsApp Cloud API webhooks and errors: payload shapes and what the desk tells people.

A webhook body is {"object": "whatsapp_business_account", "entry": [{"id": <WABA id>,
"changes": [{"field": "messages", "value": {...}}]}]}, where a value carries
`messaging_product` "whatsapp", `metadata.phone_number_id` (the number written to),
`contacts` [{"wa_id", "profile": {"name"}}] and either `messages` (the customer wrote:
{"id": "wamid...", "from", "timestamp", "type", "text": {"body"}, "context": {"id"}}) or
`statuses` (what became of a message we sent: {"id", "status", "timestamp", "recipient_id",
"errors": [{"code", "title", "message", "error_data": {"details"}}]}).

Errors, on a send's answer ({"error": {"code", "message", "error_data": {"details"}}}) and
in a failed status alike, are told apart by their code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from channels import meta_payload
from channels.base import N_, DeliveryStatus, DeliveryUpdate, InboundItem, WebhookRejected
from channels.json_values import obj, obj_list, short_str

OBJECT = "whatsapp_business_account"
MAX_TEXT = 20000
STATUSES: tuple[DeliveryStatus, ...] = ("sent", "delivered", "read", "failed")
# Throughput limits: per phone number (130429), per customer (131056), spam (131048), per
# business account (80007) and of the app (4). The desk sends again later.
RATE_LIMITS = {4, 80007, 130429, 131048, 131056}
# "Something went wrong" and "service unavailable": worth another try.
TRANSIENT = {1, 2, 131000, 131016}
# Codes whose meaning the desk explains itself; the rest keep WhatsApp's own words.
EXPLAINED: dict[int, str] = {
    190: N_("WhatsApp refused the access token (code 190): it is invalid or expired. "
            "Reconnect the channel with a new token."),
    131047: N_("WhatsApp refused: more than 24 hours have passed since the customer last "
               "wrote (code 131047). Outside that window only an approved template can be "
               "sent; set one on the channel, or wait for the customer to write again."),
    131026: N_("WhatsApp could not deliver the message (code 131026): the number may not "
               "use WhatsApp, or the customer's app is outdated or has not accepted the "
               "current terms."),
    130429: N_("WhatsApp's sending limit for this number was reached (code 130429); the "
               "desk tries again later."),
    131056: N_("Too many messages to this customer in a short time (code 131056); the desk "
               "tries again later."),
    131048: N_("WhatsApp limits this number for spam reports (code 131048); the desk tries "
               "again later."),
    132001: N_("The channel's template does not exist in this language (code 132001): check "
               "the template name and language of the channel."),
    132000: N_("The channel's template does not take exactly one body parameter (code "
               "132000): choose a template whose body has one variable."),
}


def explain(code: int | None, detail: str) -> str:
    """What people see about a WhatsApp error."""
    if code in EXPLAINED:
        return EXPLAINED[code]
    label = f"code {code}" if code is not None else "no code"
    return f"WhatsApp refused the message ({label}): {detail}"[:500]


def _moment(value: Any) -> datetime | None:
    """WhatsApp sends unix seconds, as a string."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(message: dict[str, Any]) -> str:
    """The words of a message; other kinds show as their type (and caption, if any)."""
    kind = short_str(message.get("type")) or "unknown"
    body = obj(message.get(kind))
    if kind == "text":
        text = body.get("body")
    elif kind == "button":  # a quick reply to one of our templates
        text = body.get("text")
    elif kind == "interactive":
        choice = obj(body.get("button_reply")) or obj(body.get("list_reply"))
        text = choice.get("title")
    else:
        caption = body.get("caption")
        shown = caption.strip() if isinstance(caption, str) else ""
        text = f"[{kind}] {shown}" if shown else f"[{kind}]"
    return text[:MAX_TEXT] if isinstance(text, str) else ""


def load(body: bytes) -> dict[str, Any]:
    """A verified body as a WhatsApp webhook payload, or WebhookRejected."""
    return meta_payload.load(body, OBJECT, "WhatsApp")


def _values(payload: dict[str, Any], phone_number_id: str | None) -> list[dict[str, Any]]:
    """The `messages` changes for this number (one app may serve several numbers)."""
    found = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise WebhookRejected(400, "each entry must be an object")
        for change in obj_list(entry.get("changes")):
            value = obj(change.get("value"))
            if change.get("field") != "messages" or value.get("messaging_product") != "whatsapp":
                continue
            number = short_str(obj(value.get("metadata")).get("phone_number_id"))
            if phone_number_id and number != phone_number_id:
                continue
            found.append(value)
    return found


def _message(message: dict[str, Any], names: dict[str, str]) -> InboundItem | None:
    wamid, sender = short_str(message.get("id")), short_str(message.get("from"))
    if not wamid or not sender or message.get("type") in ("reaction", "system"):
        return None  # reactions and number changes are not customers talking
    text = _text(message)
    if not text.strip():
        return None
    return InboundItem(
        external_id=wamid, author_id=sender, author_name=names.get(sender) or f"+{sender}",
        author_handle=f"+{sender}", text=text, visibility="private",
        reply_to=short_str(obj(message.get("context")).get("id")),
        created_at=_moment(message.get("timestamp")), raw=message,
    )


def messages(payload: dict[str, Any], phone_number_id: str | None) -> list[InboundItem]:
    items: list[InboundItem] = []
    for value in _values(payload, phone_number_id):
        names = {wa_id: name for c in obj_list(value.get("contacts"))
                 if (wa_id := short_str(c.get("wa_id"))) and (name := short_str(
                     obj(c.get("profile")).get("name")))}
        items += [item for m in obj_list(value.get("messages")) if (item := _message(m, names))]
    return items


def _failure(status: dict[str, Any]) -> str:
    errors = obj_list(status.get("errors"))
    if not errors:
        return explain(None, "no reason given")
    first = errors[0]
    code = first.get("code") if isinstance(first.get("code"), int) else None
    detail = (obj(first.get("error_data")).get("details") or first.get("message")
              or first.get("title") or "")
    return explain(code, str(detail))


def statuses(payload: dict[str, Any], phone_number_id: str | None) -> list[DeliveryUpdate]:
    updates: list[DeliveryUpdate] = []
    for value in _values(payload, phone_number_id):
        for status in obj_list(value.get("statuses")):
            wamid, state = short_str(status.get("id")), status.get("status")
            if not wamid or state not in STATUSES:
                continue  # "deleted", "warning" and the like change nothing we show
            error = _failure(status) if state == "failed" else None
            updates.append(DeliveryUpdate(external_id=wamid, status=state, error=error))
    return updates
