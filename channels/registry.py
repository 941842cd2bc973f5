"""Which adapter speaks for a channel: a dict from adapter name to adapter, nothing else."""

from collections.abc import Mapping

from channels.base import Capabilities, ChannelAdapter, ReplySender
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


# The simulator imitates real networks, so its channels promise what those networks do;
# YouTube (no adapter yet) answers in public only.
_SIMULATED_ONLY = {
    "youtube": Capabilities(public_reply=True, private_reply_to_public=False,
                            direct_messages=False),
}


def capabilities(adapter: str, network: str) -> Capabilities | None:
    """What a channel can do, given its adapter name and network."""
    if adapter == "simulator":
        real = ADAPTERS.get(network)
        return real.capabilities if real else _SIMULATED_ONLY.get(network)
    found = ADAPTERS.get(adapter)
    return found.capabilities if found else None
