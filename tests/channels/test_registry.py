"""What a channel can do follows from its adapter, and simulated channels imitate theirs."""

from channels.registry import ADAPTERS, capabilities


def test_simulated_channels_promise_what_their_network_does() -> None:
    for network in ("facebook", "instagram", "x"):
        assert capabilities("simulator", network) == ADAPTERS[network].capabilities
    youtube = capabilities("simulator", "youtube")
    assert youtube is not None and youtube.public_reply
    assert not youtube.private_reply_to_public and not youtube.direct_messages


def test_real_adapters_and_unknown_ones() -> None:
    assert capabilities("facebook", "facebook") == ADAPTERS["facebook"].capabilities
    assert capabilities("webhook", "webhook") == ADAPTERS["webhook"].capabilities
    assert capabilities("nonesuch", "facebook") is None
