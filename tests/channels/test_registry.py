"""What a channel can do follows from its adapter, and simulated channels imitate theirs."""

from channels.base import ChannelAdapter, ChannelWatcher, Connectable, WebhookReceiver
from channels.registry import KINDS, NetworkUrls, build_adapters, capabilities

URLS = NetworkUrls(meta_graph="http://127.0.0.1:1/graph/", x_api="http://127.0.0.1:1/x",
                   telegram_api="http://127.0.0.1:1/telegram", youtube_api="http://127.0.0.1:1/yt")


def test_simulated_channels_promise_what_their_network_does() -> None:
    for network in ("facebook", "instagram", "x"):
        assert capabilities("simulator", network) == KINDS[network].capabilities
    youtube = capabilities("simulator", "youtube")
    assert youtube is not None and youtube.public_reply
    assert not youtube.private_reply_to_public and not youtube.direct_messages


def test_real_adapters_and_unknown_ones() -> None:
    adapters = build_adapters(URLS)
    assert capabilities("facebook", "facebook") == adapters["facebook"].capabilities
    assert capabilities("webhook", "webhook") == adapters["webhook"].capabilities
    assert capabilities("nonesuch", "facebook") is None


def test_each_adapter_is_one_and_declares_what_else_it_can_do() -> None:
    adapters = build_adapters(URLS)
    assert set(adapters) == set(KINDS)
    assert all(isinstance(adapter, ChannelAdapter) for adapter in adapters.values())
    assert set(adapters.watchers()) == {"youtube", "mastodon", "email"}
    assert all(isinstance(a, ChannelWatcher) for a in adapters.watchers().values())
    assert "webhook" not in adapters.connectable()
    assert all(isinstance(a, Connectable) for a in adapters.connectable().values())
    receivers = {n for n, a in adapters.items() if isinstance(a, WebhookReceiver)}
    assert receivers == {"facebook", "instagram", "x", "whatsapp", "telegram"}
    assert adapters.webhook_path("facebook") == "meta" and adapters.webhook_path("email") is None
    assert "simulator" in adapters.senders and "simulator" not in adapters


def test_adapters_speak_to_the_configured_addresses() -> None:
    adapters = build_adapters(URLS)
    assert adapters["facebook"].base_url == "http://127.0.0.1:1/graph"  # type: ignore[attr-defined]
    assert adapters["youtube"].base_url == "http://127.0.0.1:1/yt"  # type: ignore[attr-defined]
