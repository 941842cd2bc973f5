"""Which adapter speaks for a channel: a dict from adapter name to adapter, nothing else."""

from collections.abc import Mapping

from channels.base import ChannelAdapter, ReplySender
from channels.meta import MetaAdapter
from channels.simulated_network import SimulatedNetwork
from channels.webhook import GenericWebhook
from channels.x import XAdapter

ADAPTERS: dict[str, ChannelAdapter] = {
    "webhook": GenericWebhook(),
    "facebook": MetaAdapter("facebook", "Facebook Page"),
    "instagram": MetaAdapter("instagram", "Instagram"),
    "x": XAdapter(),
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
