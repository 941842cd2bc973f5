"""What every network adapter speaks: normalized inbound items and small Protocols.

`ChannelAdapter` is what every adapter is. What only some can do is a capability Protocol
below (a webhook receiver, connectable, a watcher, a delivery reporter, a quota user, message
windows): an adapter has a capability by implementing it, and the desk asks with
`isinstance`, never by looking for attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

Visibility = Literal["public", "private"]


@dataclass(frozen=True)
class InboundItem:
    """One post, comment or message from a network, in the desk's words."""

    external_id: str
    author_id: str
    author_name: str
    text: str
    visibility: Visibility
    # Items with the same key form one thread; without one, a public item opens its own
    # thread and a private item joins the author's conversation on that channel.
    thread_key: str | None = None
    author_handle: str | None = None
    created_at: datetime | None = None
    reply_to: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def key(self) -> str:
        if self.thread_key:
            return self.thread_key
        return f"dm:{self.author_id}" if self.visibility == "private" else self.external_id


@dataclass(frozen=True)
class Handshake:
    """The answer to a network's webhook subscription check (Meta's challenge, X's CRC)."""

    body: str
    media_type: str = "text/plain"


class WebhookRejected(Exception):
    """A webhook request that must not be stored; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Capabilities:
    public_reply: bool
    private_reply_to_public: bool
    direct_messages: bool
    # How long after the customer's last message a private message may still be sent.
    message_window_hours: int | None = None
    # How long after a public comment a private reply to it may be sent.
    private_reply_window_days: int | None = None


def N_(message: str) -> str:
    """Mark a label for translation (scripts/i18n extracts N_); the page translates it."""
    return message


@dataclass(frozen=True)
class ConnectField:
    """One field of the admin's "connect a channel" form for a network."""

    name: str
    label: str  # English, marked with N_
    # Secret fields are sealed with the desk's key and never shown again; the others are
    # stored in the channel's config (an IMAP host, a Mastodon instance URL, ...).
    secret: bool = True
    required: bool = True
    # Made for the admin when left empty (a webhook verify token) and shown once.
    generated: bool = False


@dataclass(frozen=True)
class ChannelAccount:
    """What an adapter needs to speak as one connected account: no database, no desk."""

    channel_id: int
    network: str
    name: str
    external_account_id: str | None
    config: dict[str, Any]
    secret: str  # decrypted; never logged


@dataclass(frozen=True)
class ThreadRef:
    """Where an outgoing message goes, in the network's own ids."""

    thread_key: str  # the desk's external key of the thread (a post id, "dm:<author>", ...)
    in_reply_to: str | None  # the external id of the message being answered
    recipient_id: str | None  # the customer's external id (for private messages)
    visibility: Visibility = "public"
    # The customer's newest message in the thread, for networks with a message window
    # (WhatsApp sends an approved template instead of text once the window closed).
    customer_last_at: datetime | None = None


DeliveryStatus = Literal["sent", "delivered", "read", "failed"]


@dataclass(frozen=True)
class DeliveryUpdate:
    """What a network reports about a message the desk sent (WhatsApp's statuses)."""

    external_id: str  # the network's id of the sent message
    status: DeliveryStatus
    error: str | None = None  # why it failed, for people


@dataclass(frozen=True)
class SendResult:
    external_id: str  # the network's id of the message it published
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class SendError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message[:500]


class TemporaryError(SendError):
    """Try again later (rate limit, outage, timeout); `retry_after` in seconds if known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(SendError):
    """The network refused the message; sending it again as it is will not help."""


@runtime_checkable
class ReplySender(Protocol):
    """The outgoing half of a network. Calls are idempotent per `idempotency_key`: sending
    the same key twice must never publish twice (pass it to the network, or dedupe)."""

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult: ...

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult: ...


@runtime_checkable
class ChannelAdapter(ReplySender, Protocol):
    """One network. Adapters never touch the database."""

    network: str
    capabilities: Capabilities

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        """Verify the request's signature, then normalize its payload (or raise WebhookRejected)."""
        ...

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        """Answer the network's GET check of a webhook URL (or raise WebhookRejected)."""
        ...


class Intake(Protocol):
    """Where a watcher hands what it found. `deliver` returns once the items are stored and
    the cursor saved, so a watcher restarted later resumes after the last batch it handed in
    (items are deduplicated by external id, so handing one in twice is harmless)."""

    async def deliver(self, items: list[InboundItem], cursor: Mapping[str, Any]) -> None: ...

    async def report(self, status: Mapping[str, Any]) -> None:
        """Facts for people (quota used, the stream's state), shown on the channels page."""
        ...


@runtime_checkable
class ChannelWatcher(Protocol):
    """Capability: a network the desk reads by polling or by a stream (Mastodon, YouTube, e-mail).

    The desk runs one `watch` per active channel across all its processes (a lease decides
    which), restarting it after an error with the cursor of the last delivered batch.
    """

    network: str
    capabilities: Capabilities

    async def watch(self, account: ChannelAccount, cursor: Mapping[str, Any],
                    intake: Intake) -> None:
        """Run until cancelled: catch up from `cursor`, then follow new items (stream, IDLE
        or polling), handing each batch to `intake.deliver` with the cursor that resumes
        after it. Raise TemporaryError (retry_after honoured) or PermanentError (the channel
        stops until an admin reconnects it) when the network refuses."""
        ...


@runtime_checkable
class WebhookReceiver(Protocol):
    """Capability: the network posts to the desk at /webhooks/<webhook_path>/<channel id>
    (GET for its subscription check, POST for its events; see ChannelAdapter)."""

    webhook_path: str


@runtime_checkable
class Connectable(Protocol):
    """Capability: an admin connects an account of this network on /admin/channels."""

    network: str
    label: str  # the network's name
    account_label: str  # what the network calls the account id, marked with N_
    connect_fields: tuple[ConnectField, ...]


@runtime_checkable
class ChecksSettings(Protocol):
    """Capability: the adapter checks the connect form's values before anything is stored."""

    def check_fields(self, values: dict[str, str]) -> None:
        """Raise channels.errors.InvalidSetting for a value the network would not take."""
        ...


@runtime_checkable
class SetsUpOnConnect(Protocol):
    """Capability: the adapter tells the network about a newly connected channel (Telegram's
    setWebhook) or tries its settings once (signing in to a mailbox)."""

    async def connected(self, account: ChannelAccount, webhook_url: str) -> None:
        """Raise a SendError with the reason people read if it did not work."""
        ...


@runtime_checkable
class DeliveryReporter(Protocol):
    """Capability: the network reports on sent messages in the same webhook as its customers'
    messages (WhatsApp's statuses), read with one signature check."""

    def parse_with_deliveries(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> tuple[list[InboundItem], list[DeliveryUpdate]]: ...


class QuotaLedger(Protocol):
    """Where a quota user counts the units it spends, shared by every process of the desk."""

    async def spend(self, channel_id: int, day: date, units: int, ceiling: int) -> int | None:
        """Add `units` if the day's count stays within `ceiling`: the new count, or None."""
        ...

    async def use_up(self, channel_id: int, day: date, limit: int) -> None:
        """Count the day as full (the network says the quota is gone)."""
        ...

    async def used(self, channel_id: int, day: date) -> int: ...


@runtime_checkable
class QuotaUser(Protocol):
    """Capability: the network allows so many API units a day (YouTube); the desk hands the
    adapter a ledger in the database, so all its processes count against one figure."""

    def use_quota_ledger(self, ledger: QuotaLedger) -> None: ...


@runtime_checkable
class MessageWindows(Protocol):
    """Capability: once the message window (Capabilities.message_window_hours) closed, the
    network takes only an approved template, which a channel may name (WhatsApp). A fact of
    the network and the channel's settings, so the desk asks the adapter's class."""

    @staticmethod
    def window_template(config: Mapping[str, Any]) -> str | None:
        """The template this channel sends after the window, or None if it has none."""
        ...


class TakesNoWebhooks:
    """The webhook half of a watched network: it has none, so every call is refused with 404
    and `no_webhooks`, the reason (such as "YouTube channels are polled; ...")."""

    no_webhooks: str

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        raise WebhookRejected(404, self.no_webhooks)

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        raise WebhookRejected(404, self.no_webhooks)


@dataclass(frozen=True)
class ListeningQuery:
    """What the desk's listening rules look for on one network, for its search API to narrow
    down; the desk's own matcher decides which rules a post found this way matches."""

    terms: tuple[str, ...]  # words and phrases ("tandem desk")
    hashtags: tuple[str, ...]  # without the "#"
    languages: tuple[str, ...] = ()  # empty: every language


@dataclass(frozen=True)
class PublicPost:
    """A public post read through a network's search or public stream (not addressed to the
    brand): the item to store if someone engages, its language if the network says it, and
    where people see it."""

    item: InboundItem
    language: str | None = None
    url: str | None = None


class ListeningIntake(Protocol):
    """Where a listener hands what it read; `deliver` returns once the matches are stored and
    the cursor saved (a post handed in twice is matched once)."""

    async def deliver(self, posts: list[PublicPost], cursor: Mapping[str, Any]) -> None: ...

    async def report(self, status: Mapping[str, Any]) -> None: ...


@runtime_checkable
class PublicListener(Protocol):
    """Capability: the network lets the desk read public posts by search or stream (X's
    recent search, Mastodon's hashtag and public timelines, YouTube's search)."""

    network: str

    async def listen(self, account: ChannelAccount, query: ListeningQuery,
                     cursor: Mapping[str, Any], intake: ListeningIntake) -> None:
        """Run until cancelled: catch up from `cursor`, then follow new posts, handing each
        batch in with the cursor that resumes after it. Raise TemporaryError or
        PermanentError as `ChannelWatcher.watch` does."""
        ...


@dataclass(frozen=True)
class PublishRules:
    """What a network takes in a post of the brand's own, shown while marketing types."""

    max_chars: int
    links_clickable: bool = True  # Instagram captions show links as plain text
    needs_media: bool = False  # Instagram publishes images and videos, not text alone
    max_media: int = 4
    # Counted as this many characters per link (X counts every URL as 23).
    link_chars: int | None = None


@dataclass(frozen=True)
class Published:
    """The network's answer to a published post: its id and where people see it."""

    external_id: str
    url: str | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@runtime_checkable
class PostPublisher(Protocol):
    """Capability: the brand's own posts go out on this network (a status, a tweet, a Page
    feed post, a channel message). `publish_idempotent`: the network itself publishes a
    retried call with the same key once (Mastodon's Idempotency-Key); elsewhere a send
    whose outcome is unknown is never retried by itself."""

    network: str
    publish_rules: PublishRules
    publish_idempotent: bool

    async def publish_post(self, account: ChannelAccount, text: str,
                           idempotency_key: str) -> Published: ...
