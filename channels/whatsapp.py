"""WhatsApp through Meta's Cloud API: private conversations only.

Webhooks are Meta's (the hub.* handshake and X-Hub-Signature-256 over the raw body, see
channels/meta_payload.py); their `messages` become private items and their `statuses`
(sent, delivered, read, failed) delivery updates of the messages the desk sent.

Sending is POST {graph}/{phone-number-id}/messages with messaging_product "whatsapp". Inside
the customer service window (24 hours after the customer's last message) a reply goes as
text, quoting the message it answers; outside it WhatsApp takes only an approved template,
so the reply becomes the body parameter of the channel's template (its name and language
are set when the channel is connected). The Cloud API knows no idempotency keys: a retry in
this process is answered from memory, the outbox guards the rest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from channels import meta_payload, whatsapp_payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    DeliveryUpdate,
    Handshake,
    InboundItem,
    PermanentError,
    SendError,
    SendResult,
    TemporaryError,
    ThreadRef,
)
from channels.errors import InvalidSetting
from channels.http import NetworkApi, answer_json, post_json, unpack_secrets

log = logging.getLogger("tandem.channels.whatsapp")
DEFAULT_URL = "https://graph.facebook.com/v21.0"
WINDOW_HOURS = 24
DEFAULT_BACKOFF = 60.0
PAIR_BACKOFF = 10.0  # WhatsApp allows about one message every 6 seconds to one customer
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
PHONE_NUMBER_ID = re.compile(r"\d{5,32}")


def send_error(status_code: int, answer: dict[str, Any], text: str) -> SendError:
    """A Cloud API error answer as a temporary or permanent error with a clear message."""
    error = answer.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    data = error.get("error_data")
    data = data if isinstance(data, dict) else {}
    detail = str(data.get("details") or error.get("message") or text[:200])
    message = whatsapp_payload.explain(code, detail)
    if code in whatsapp_payload.RATE_LIMITS:
        return TemporaryError(message, PAIR_BACKOFF if code == 131056 else DEFAULT_BACKOFF)
    if code is not None and code in whatsapp_payload.EXPLAINED:
        return PermanentError(message)
    if code in whatsapp_payload.TRANSIENT or status_code >= 500 or status_code == 429:
        return TemporaryError(message)
    if code is None and status_code == 401:
        return PermanentError(whatsapp_payload.EXPLAINED[190])
    return PermanentError(message)


def template_parameter(text: str) -> str:
    """WhatsApp refuses template parameters with line breaks, tabs or long runs of spaces."""
    return re.sub(r" {4,}", "   ", re.sub(r"[\r\n\t]+", " ", text)).strip()


def window_open(customer_last_at: datetime | None, now: datetime) -> bool:
    if customer_last_at is None:
        return False
    last = customer_last_at.replace(tzinfo=UTC) if customer_last_at.tzinfo is None \
        else customer_last_at
    return now < last + timedelta(hours=WINDOW_HOURS)


class WhatsAppAdapter(NetworkApi):
    default_url = DEFAULT_URL
    network = "whatsapp"
    label = "WhatsApp"
    webhook_path = "whatsapp"
    account_label = N_("Phone number id")
    connect_fields = (
        ConnectField("access_token", N_("Access token")),
        ConnectField("app_secret", N_("App secret")),
        ConnectField("verify_token", N_("Verify token"), generated=True),
        ConnectField("template_name", N_("Approved template for replies after 24 hours"),
                     secret=False, required=False),
        ConnectField("template_language", N_("Template language code (such as en_US)"),
                     secret=False, required=False),
    )
    capabilities = Capabilities(
        public_reply=False, private_reply_to_public=False, direct_messages=True,
        message_window_hours=WINDOW_HOURS,
    )

    def check_fields(self, values: dict[str, str]) -> None:
        number = values.get("account_id", "")
        if number and not PHONE_NUMBER_ID.fullmatch(number):
            raise InvalidSetting(
                "account_id",
                "The phone number id is the number's id in WhatsApp Manager "
                "(digits), not the phone number.")
        name, language = values.get("template_name", ""), values.get("template_language", "")
        if name and not TEMPLATE_NAME.fullmatch(name):
            raise InvalidSetting(
                "template_name",
                "A template name has lowercase letters, digits and underscores.")
        if name and not LANGUAGE_CODE.fullmatch(language):
            raise InvalidSetting(
                "template_language",
                "Give the template's language code, such as en_US or de.")
        if language and not name:
            raise InvalidSetting("template_name", "A template language needs a template name.")

    @staticmethod
    def window_template(config: Mapping[str, Any]) -> str | None:
        """The approved template this channel sends once the customer service window closed."""
        name = config.get("template_name")
        return name if isinstance(name, str) and name else None

    # -- inbound -------------------------------------------------------------------------

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        verify_token = unpack_secrets(secret).get("verify_token", "")
        return Handshake(body=meta_payload.answer_challenge(query, verify_token))

    def _verified(self, headers: dict[str, str], body: bytes, secret: str
                  ) -> tuple[dict[str, Any], str | None]:
        secrets = unpack_secrets(secret)
        meta_payload.check_signature(headers, body, secrets.get("app_secret", ""))
        return whatsapp_payload.load(body), secrets.get("account_id")

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        payload, phone_number_id = self._verified(headers, body, secret)
        return whatsapp_payload.messages(payload, phone_number_id)

    def parse_with_deliveries(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> tuple[list[InboundItem], list[DeliveryUpdate]]:
        """The customers' messages and the statuses of the messages we sent, which ride on
        the same webhook: verified and read once."""
        payload, phone_number_id = self._verified(headers, body, secret)
        return (whatsapp_payload.messages(payload, phone_number_id),
                whatsapp_payload.statuses(payload, phone_number_id))

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        raise PermanentError(N_("WhatsApp has no public replies."))

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        if known := self._sent.get(idempotency_key):
            return known
        if not thread_ref.recipient_id:
            raise PermanentError(N_("A WhatsApp message needs the customer's number."))
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                "to": thread_ref.recipient_id}
        if window_open(thread_ref.customer_last_at, datetime.now(UTC)):
            body |= {"type": "text", "text": {"preview_url": False, "body": text}}
            if thread_ref.in_reply_to:
                body["context"] = {"message_id": thread_ref.in_reply_to}
        else:
            body |= {"type": "template", "template": self._template(account, text)}
        return self._sent.keep(idempotency_key, await self._post(account, body, idempotency_key))

    def _template(self, account: ChannelAccount, text: str) -> dict[str, Any]:
        name = self.window_template(account.config)
        if name is None:
            raise PermanentError(N_("The 24-hour window closed before the reply went out, and "
                                    "the channel has no approved template to send instead."))
        return {
            "name": name, "language": {"code": account.config.get("template_language", "en")},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": template_parameter(text)}]}],
        }

    async def _post(self, account: ChannelAccount, body: dict[str, Any], idempotency_key: str
                    ) -> SendResult:
        secrets = unpack_secrets(account.secret)
        token = secrets.get("access_token")
        sender = account.external_account_id or secrets.get("account_id")
        if not token or not sender:
            raise PermanentError(N_("The channel has no access token or phone number id; "
                                    "reconnect it."))
        response = await post_json(f"{self.base_url}/{sender}/messages", token, body)
        answer = answer_json(response)
        if response.status_code >= 300:
            error = send_error(response.status_code, answer, response.text)
            log.warning("Cloud API refused a %s message for channel %s: %s", body["type"],
                        account.channel_id, error.message)
            raise error
        sent = answer.get("messages")
        wamid = sent[0].get("id") if isinstance(sent, list) and sent and isinstance(
            sent[0], dict) else None
        if not isinstance(wamid, str) or not wamid:
            # Accepted all the same: sending again would message the customer twice.
            wamid = idempotency_key
        return SendResult(external_id=wamid, raw=answer)
