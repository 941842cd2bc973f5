"""Which adapter speaks for a channel: a dict from adapter name to adapter, nothing else."""

from channels.base import ChannelAdapter
from channels.webhook import GenericWebhook

ADAPTERS: dict[str, ChannelAdapter] = {
    "webhook": GenericWebhook(),
}
