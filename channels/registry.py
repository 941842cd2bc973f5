"""Which adapter speaks for a channel: a dict from adapter name to adapter, nothing else.

`KINDS` is what each adapter name is (its class): the facts the desk reads without a running
adapter, such as what a channel can do. `build_adapters` makes the adapters themselves, which
hold per-process state (their network's address, a memory of sends, the quota ledger);
create_app() builds them once and keeps them on the Desk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from channels.base import (
    N_,
    Capabilities,
    ChannelAdapter,
    ChannelWatcher,
    Connectable,
    MessageWindows,
    PostPublisher,
    PublicListener,
    QuotaLedger,
    QuotaUser,
    ReplySender,
    WebhookReceiver,
)
from channels.email import EmailAdapter
from channels.mastodon import MastodonAdapter
from channels.meta import MetaAdapter
from channels.simulated_network import SimulatedNetwork
from channels.telegram import TelegramAdapter
from channels.webhook import GenericWebhook
from channels.whatsapp import WhatsAppAdapter
from channels.x import XAdapter
from channels.youtube import YouTubeAdapter

KINDS: Mapping[str, type[Any]] = MappingProxyType({
    "webhook": GenericWebhook,
    "facebook": MetaAdapter,
    "instagram": MetaAdapter,
    "x": XAdapter,
    "whatsapp": WhatsAppAdapter,
    "telegram": TelegramAdapter,
    "youtube": YouTubeAdapter,
    "mastodon": MastodonAdapter,
    "email": EmailAdapter,
})
SIMULATOR = "simulator"


@dataclass(frozen=True)
class NetworkUrls:
    """Where the networks' APIs answer (the settings; tests point them at local fakes)."""

    meta_graph: str
    x_api: str
    telegram_api: str
    youtube_api: str


class Adapters(Mapping[str, ChannelAdapter]):
    """The desk's adapters by name, and the ones with a capability."""

    def __init__(self, adapters: Mapping[str, ChannelAdapter], simulator: ReplySender) -> None:
        self._adapters = dict(adapters)
        # Who sends a channel's replies, by adapter name: every adapter, plus the simulator,
        # whose inbound side is a generator rather than an adapter.
        self.senders: Mapping[str, ReplySender] = {**self._adapters, SIMULATOR: simulator}

    def __getitem__(self, name: str) -> ChannelAdapter:
        return self._adapters[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def __len__(self) -> int:
        return len(self._adapters)

    def watchers(self) -> dict[str, ChannelWatcher]:
        """The adapters of networks the desk reads itself (polled or streamed)."""
        return {n: a for n, a in self._adapters.items() if isinstance(a, ChannelWatcher)}

    def listeners(self) -> dict[str, PublicListener]:
        """The adapters that can read public posts by search or stream (listening)."""
        return {n: a for n, a in self._adapters.items() if isinstance(a, PublicListener)}

    def publishers(self) -> dict[str, PostPublisher]:
        """The adapters that publish the brand's own posts."""
        return {n: a for n, a in self._adapters.items() if isinstance(a, PostPublisher)}

    def connectable(self) -> dict[str, Connectable]:
        """The adapters an admin connects on /admin/channels."""
        return {n: a for n, a in self._adapters.items() if isinstance(a, Connectable)}

    def webhook_path(self, name: str) -> str | None:
        """Where the network of adapter `name` posts (/webhooks/<path>/<channel id>)."""
        adapter = self._adapters.get(name)
        return adapter.webhook_path if isinstance(adapter, WebhookReceiver) else None


def build_adapters(urls: NetworkUrls, quota: QuotaLedger | None = None) -> Adapters:
    """Every adapter, speaking to the networks at `urls`; quota users count in `quota`."""
    meta, x = urls.meta_graph.rstrip("/"), urls.x_api.rstrip("/")
    adapters: dict[str, ChannelAdapter] = {
        "webhook": GenericWebhook(),
        "facebook": MetaAdapter("facebook", "Facebook Page", N_("Page id"), base_url=meta),
        "instagram": MetaAdapter("instagram", "Instagram", N_("Instagram account id"),
                                 base_url=meta),
        "x": XAdapter(x),
        "whatsapp": WhatsAppAdapter(meta),
        "telegram": TelegramAdapter(urls.telegram_api.rstrip("/")),
        "youtube": YouTubeAdapter(urls.youtube_api.rstrip("/")),
        "mastodon": MastodonAdapter(),
        "email": EmailAdapter(),
    }
    if quota is not None:
        for adapter in adapters.values():
            if isinstance(adapter, QuotaUser):
                adapter.use_quota_ledger(quota)
    return Adapters(adapters, SimulatedNetwork())


def capabilities(adapter: str, network: str) -> Capabilities | None:
    """What a channel can do, given its adapter name and network (the simulator imitates
    real networks, so its channels promise what those networks do)."""
    kind = KINDS.get(network if adapter == SIMULATOR else adapter)
    return kind.capabilities if kind is not None else None


def window_template(adapter: str, config: Mapping[str, Any]) -> str | None:
    """The approved template a channel sends once its message window closed, if its network
    takes one (MessageWindows) and the channel names one."""
    kind = KINDS.get(adapter)
    if kind is None or not issubclass(kind, MessageWindows):
        return None
    return kind.window_template(config)


def takes_window_templates(adapter: str) -> bool:
    """Whether the adapter's network takes an approved template once the window closed."""
    kind = KINDS.get(adapter)
    return kind is not None and issubclass(kind, MessageWindows)
