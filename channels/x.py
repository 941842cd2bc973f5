"""X: mentions and replies (Account Activity tweet events) and direct messages.

Replies are POST /2/tweets with reply.in_reply_to_tweet_id; direct messages are
POST /2/dm_conversations/with/:participant_id/messages. X has no message window, and a DM
to the author is the private path from a public tweet (refused when they do not accept DMs).
Rate limits are respected: an endpoint whose x-rate-limit-remaining reached 0 is not called
again before x-rate-limit-reset, and a 429 is a temporary error retried after the reset.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from channels import x_payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    Handshake,
    InboundItem,
    ListeningIntake,
    ListeningQuery,
    PermanentError,
    Published,
    PublishRules,
    SendError,
    SendResult,
    TemporaryError,
    ThreadRef,
)
from channels.http import NetworkApi, answer_json, post_json, unpack_secrets
from channels.x_listening import XListening

log = logging.getLogger("tandem.channels.x")
DEFAULT_URL = "https://api.x.com"
DEFAULT_BACKOFF = 60.0


def _reset_in(response: httpx.Response, now: float) -> float | None:
    reset = response.headers.get("x-rate-limit-reset", "")
    return max(float(reset) - now, 1.0) if reset.isdigit() else None


def x_error(response: httpx.Response, now: float) -> SendError:
    answer = answer_json(response)
    errors = answer.get("errors") if isinstance(answer.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    detail = str(answer.get("detail") or first.get("message") or response.text[:200])
    status = response.status_code
    if status == 429:
        wait = _reset_in(response, now) or DEFAULT_BACKOFF
        return TemporaryError(f"X's rate limit was reached; the desk tries again in "
                              f"{int(wait)} seconds.", wait)
    if status >= 500:
        return TemporaryError(f"X had a temporary problem ({status}): {detail}")
    if status == 401:
        return PermanentError("X refused the access token (401): it is invalid, expired or "
                              "revoked. Reconnect the channel.")
    if status == 403:
        return PermanentError(f"X refused (403): {detail}")
    return PermanentError(f"X refused the message ({status}): {detail}")


class XAdapter(NetworkApi):
    default_url = DEFAULT_URL
    network = "x"
    label = "X"
    webhook_path = "x"
    account_label = N_("Account (user) id")
    connect_fields = (
        ConnectField("access_token", N_("Access token")),
        ConnectField("consumer_secret", N_("Consumer secret")),
    )
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=True, direct_messages=True,
    )

    def __init__(self, base_url: str | None = None) -> None:
        super().__init__(base_url)
        # (token digest, endpoint) -> unix time before which the endpoint is exhausted.
        self._exhausted: dict[tuple[str, str], float] = {}

    # -- inbound -------------------------------------------------------------------------

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        answer = x_payload.crc_answer(query, unpack_secrets(secret).get("consumer_secret", ""))
        return Handshake(body=json.dumps(answer), media_type="application/json")

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        secrets = unpack_secrets(secret)
        x_payload.check_signature(headers, body, secrets.get("consumer_secret", ""))
        return x_payload.parse(body, secrets.get("account_id"))

    # -- listening (channels/x_listening.py) -------------------------------------------

    async def listen(self, account: ChannelAccount, query: ListeningQuery,
                     cursor: Mapping[str, Any], intake: ListeningIntake) -> None:
        await XListening(self.base_url, x_error).listen(account, query, cursor, intake)

    # -- publishing the brand's own posts ------------------------------------------------

    publish_rules = PublishRules(max_chars=280, link_chars=23)
    publish_idempotent = False  # X takes no idempotency key

    async def publish_post(self, account: ChannelAccount, text: str,
                           idempotency_key: str) -> Published:
        sent = await self._post(account, "tweets", "/2/tweets", {"text": text},
                                idempotency_key, "id")
        return Published(sent.external_id, f"https://x.com/i/status/{sent.external_id}",
                         sent.raw)

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        target = thread_ref.in_reply_to or thread_ref.thread_key
        body = {"text": text, "reply": {"in_reply_to_tweet_id": target}}
        return await self._post(account, "tweets", "/2/tweets", body, idempotency_key, "id")

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        participant = thread_ref.recipient_id or thread_ref.thread_key.removeprefix("dm:")
        if not participant.isdigit():
            raise PermanentError("A direct message on X needs the customer's user id.")
        path = f"/2/dm_conversations/with/{participant}/messages"
        return await self._post(account, "dm", path, {"text": text}, idempotency_key,
                                "dm_event_id")

    async def _post(self, account: ChannelAccount, endpoint: str, path: str, body: dict,
                    idempotency_key: str, id_field: str) -> SendResult:
        if known := self._sent.get(idempotency_key):
            return known
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no access token; reconnect it.")
        limit_key = (hashlib.sha256(token.encode()).hexdigest()[:16], endpoint)
        now = time.time()
        if (until := self._exhausted.get(limit_key, 0.0)) > now:
            raise TemporaryError("X's rate limit for this endpoint is used up; the desk tries "
                                 f"again in {int(until - now) + 1} seconds.", until - now + 1)
        response = await post_json(self.base_url + path, token, body)
        now = time.time()
        if response.headers.get("x-rate-limit-remaining") == "0":
            wait = _reset_in(response, now)
            if wait:
                self._exhausted[limit_key] = now + wait
        if response.status_code >= 300:
            error = x_error(response, now)
            log.warning("X refused %s for channel %s: %s", endpoint, account.channel_id,
                        error.message)
            raise error
        answer = answer_json(response)
        data = answer.get("data")
        external_id = data.get(id_field) if isinstance(data, dict) else None
        if not isinstance(external_id, str) or not external_id:
            external_id = idempotency_key  # published all the same: never send it again
        return self._sent.keep(idempotency_key, SendResult(external_id=external_id, raw=answer))
