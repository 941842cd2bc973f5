"""Each network's reply limit, counted the network's way."""

from __future__ import annotations

from channels.reply_length import length, reply_limit


def test_x_counts_links_as_23_and_wide_characters_twice() -> None:
    rule = reply_limit("x", "public")
    assert rule is not None and rule.limit == 280
    assert length("Hallo", rule) == 5
    assert length("see https://example.com/" + "a" * 100, rule) == 4 + 23
    assert length("👋", rule) == 2
    assert length("👍🏽", rule) == 2  # the skin tone folds into the emoji
    assert length("日本", rule) == 4
    assert length("Grüße", rule) == 5


def test_networks_differ_between_public_replies_and_private_messages() -> None:
    assert reply_limit("instagram", "public").limit == 2200  # type: ignore[union-attr]
    assert reply_limit("facebook", "private").limit == 2000  # type: ignore[union-attr]
    assert reply_limit("mastodon", "public").links_as == 23  # type: ignore[union-attr]
    assert reply_limit("email", "private") is None
    assert reply_limit("webhook", "public") is None


def test_other_networks_count_code_points() -> None:
    rule = reply_limit("facebook", "public")
    assert rule is not None
    assert length("👋 https://example.com", rule) == len("👋 https://example.com")
