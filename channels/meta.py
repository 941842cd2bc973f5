"""Meta's networks: Facebook Pages (feed comments, Messenger) and Instagram (comments, DMs).

Sending goes through the Graph API: public replies are POST /{comment-id}/comments
(Facebook) or POST /{ig-comment-id}/replies (Instagram); private replies to a comment are
POST /{account-id}/messages with recipient {comment_id} (one per comment, within 7 days; the
answer names the customer's messaging id); messages are the same call with recipient {id}
and messaging_type RESPONSE, within 24 hours of the customer's last message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import httpx

from channels import meta_payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    Handshake,
    InboundItem,
    PermanentError,
    SendError,
    SendResult,
    TemporaryError,
    ThreadRef,
)
from channels.http import NetworkApi, answer_json, post_json, unpack_secrets

log = logging.getLogger("tandem.channels.meta")
DEFAULT_URL = "https://graph.facebook.com/v21.0"
RATE_LIMITS = {4, 17, 32, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80014}
TRANSIENT = {1, 2}
DEFAULT_BACKOFF = 60.0
# (code, subcode or None) -> what the desk tells people; all of these are permanent.
REFUSALS: dict[tuple[int, int | None], str] = {
    (190, None): "Meta refused the access token (code 190): it is invalid or expired. "
                 "Reconnect the channel with a new token.",
    (10, 2018278): "Meta refused: outside the allowed window. A message needs the customer's "
                   "last message within 24 hours; a private reply needs a comment younger "
                   "than 7 days.",
    (10900, None): "Meta allows one private reply per comment, and this comment has one.",
    (10903, None): "Meta does not allow a private reply to this comment.",
    (551, None): "Meta refused: this person is not available for messages right now.",
    (100, 33): "Meta refused: the comment or post no longer exists, or the token cannot see it.",
    (100, 2018001): "Meta refused: the customer has not written to this account, so there "
                    "is nobody to message.",
    (200, None): "Meta refused: the token lacks the permission for this (code 200).",
}


def _retry_after(response: httpx.Response) -> float:
    """Meta reports when a throttled app regains access, in minutes, per business use case."""
    raw = response.headers.get("x-business-use-case-usage", "")
    try:
        usage = json.loads(raw) if raw else {}
        minutes = [
            float(case.get("estimated_time_to_regain_access", 0))
            for cases in usage.values() for case in cases if isinstance(case, dict)
        ]
    except (ValueError, AttributeError, TypeError):
        minutes = []
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else DEFAULT_BACKOFF


def graph_error(response: httpx.Response) -> SendError:
    """Map a Graph API error answer to a permanent or temporary error with a clear message."""
    error = answer_json(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    detail = str(error.get("message") or response.text[:200])
    if code in RATE_LIMITS:
        return TemporaryError(f"Meta's rate limit was reached (code {code}); the desk tries "
                              f"again later. {detail}", _retry_after(response))
    if code is not None:
        known = REFUSALS.get((code, subcode)) or REFUSALS.get((code, None))
        if known:
            return PermanentError(known)
    if code in TRANSIENT or response.status_code >= 500 or response.status_code == 429:
        return TemporaryError(f"Meta had a temporary problem ({response.status_code}): {detail}")
    if code is None and response.status_code == 401:
        return PermanentError(REFUSALS[(190, None)])
    return PermanentError(f"Meta refused the message (code {code}, subcode {subcode}): {detail}")


def is_comment_id(external_id: str | None) -> bool:
    """Comment and post ids are digits (Facebook: "<post>_<comment>"); message ids never are."""
    return bool(external_id) and external_id.replace("_", "").isdigit()  # type: ignore[union-attr]


class MetaAdapter(NetworkApi):
    default_url = DEFAULT_URL
    webhook_path = "meta"
    connect_fields = (
        ConnectField("access_token", N_("Access token")),
        ConnectField("app_secret", N_("App secret")),
        ConnectField("verify_token", N_("Verify token"), generated=True),
    )
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=True, direct_messages=True,
        message_window_hours=24, private_reply_window_days=7,
    )

    def __init__(self, network: str, label: str, account_label: str = N_("Account id"),
                 base_url: str | None = None) -> None:
        super().__init__(base_url)
        self.network = network
        self.label = label
        self.account_label = account_label

    # -- inbound -------------------------------------------------------------------------

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        challenge = meta_payload.answer_challenge(query, unpack_secrets(secret).get(
            "verify_token", ""))
        return Handshake(body=challenge, media_type="text/plain")

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        secrets = unpack_secrets(secret)
        meta_payload.check_signature(headers, body, secrets.get("app_secret", ""))
        return meta_payload.parse(body, self.network, secrets.get("account_id"))

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        target = thread_ref.in_reply_to or thread_ref.thread_key
        edge = "comments" if self.network == "facebook" else "replies"
        return await self._post(account, f"{target}/{edge}", {"message": text}, idempotency_key)

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        """A private reply when answering a comment, else a message to the messaging id."""
        body: dict[str, object] = {"message": {"text": text}}
        if is_comment_id(thread_ref.in_reply_to):
            body["recipient"] = {"comment_id": thread_ref.in_reply_to}
        elif thread_ref.recipient_id:
            body |= {"recipient": {"id": thread_ref.recipient_id}, "messaging_type": "RESPONSE"}
        else:
            raise PermanentError("A private message needs a recipient or a comment to answer.")
        sender = account.external_account_id or unpack_secrets(account.secret).get("account_id")
        if not sender:
            raise PermanentError("The channel has no account id; reconnect it.")
        return await self._post(account, f"{sender}/messages", body, idempotency_key)

    async def _post(
        self, account: ChannelAccount, path: str, body: dict, idempotency_key: str
    ) -> SendResult:
        if known := self._sent.get(idempotency_key):
            return known
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no access token; reconnect it.")
        response = await post_json(f"{self.base_url}/{path}", token, body)
        if response.status_code >= 300:
            error = graph_error(response)
            log.warning("Graph API refused %s for channel %s: %s", path.split("/")[-1],
                        account.channel_id, error.message)
            raise error
        answer = answer_json(response)
        external_id = answer.get("message_id") or answer.get("id")
        if not isinstance(external_id, str) or not external_id:
            # Published all the same: sending again would post twice.
            external_id = idempotency_key
        return self._sent.keep(idempotency_key, SendResult(external_id=external_id, raw=answer))
