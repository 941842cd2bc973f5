"""Which adapter speaks for a channel: a dict from adapter name to adapter, nothing else."""

from collections.abc import Mapping

from channels.base import N_, Capabilities, ChannelAdapter, ReplySender
from channels.email import EmailAdapter
from channels.mastodon import MastodonAdapter
from channels.meta import MetaAdapter
from channels.simulated_network import SimulatedNetwork
from channels.telegram import TelegramAdapter
from channels.webhook import GenericWebhook
from channels.whatsapp import WhatsAppAdapter
from channels.x import XAdapter
from channels.youtube import YouTubeAdapter

ADAPTERS: dict[str, ChannelAdapter] = {
    "webhook": GenericWebhook(),
    "facebook": MetaAdapter("facebook", "Facebook Page", N_("Page id")),
    "instagram": MetaAdapter("instagram", "Instagram", N_("Instagram account id")),
    "x": XAdapter(),
    "whatsapp": WhatsAppAdapter(),
    "telegram": TelegramAdapter(),
    "youtube": YouTubeAdapter(),
    "mastodon": MastodonAdapter(),
    "email": EmailAdapter(),
}

# Who sends a channel's replies, by adapter name: every adapter, plus the simulator, whose
# inbound side is a generator rather than an adapter.
SENDERS: dict[str, ReplySender] = {
    **ADAPTERS,
    "simulator": SimulatedNetwork(),
}


def configure(urls: Mapping[str, str]) -> None:
    """Point the adapters at their networks' APIs (create_app passes the settings)."""
    for adapter in ADAPTERS.values():
        setup = getattr(adapter, "configure", None)
        if setup is not None:
            setup(urls)


def capabilities(adapter: str, network: str) -> Capabilities | None:
    """What a channel can do, given its adapter name and network (the simulator imitates
    real networks, so its channels promise what those networks do)."""
    if adapter == "simulator":
        real = ADAPTERS.get(network)
        return real.capabilities if real else None
    found = ADAPTERS.get(adapter)
    return found.capabilities if found else None
