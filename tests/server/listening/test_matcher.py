"""The listening matcher: any/all/none terms at word boundaries, hashtags, filters."""

from __future__ import annotations

from server.listening.matcher import RuleMatcher, RuleTerms

RULES = [
    RuleTerms(1, any_terms=("tandem", "#deskday")),
    RuleTerms(2, all_terms=("tandem", "broken"), none_terms=("giveaway",)),
    RuleTerms(3, any_terms=("tandem desk",), languages=("de",)),
    RuleTerms(4, any_terms=("outage",), networks=("mastodon",)),
]


def test_any_all_and_none() -> None:
    matcher = RuleMatcher(RULES)
    assert matcher.matching("My Tandem is broken", "x", "en") == [1, 2]
    assert matcher.matching("Tandem broken? Join the giveaway", "x", "en") == [1]
    assert matcher.matching("broken again", "x", "en") == []


def test_words_count_at_their_boundaries_and_hashtags_only_as_hashtags() -> None:
    matcher = RuleMatcher(RULES)
    assert matcher.matching("xtandem and tandemly", "x", "en") == []
    assert matcher.matching("#tandem rocks", "x", "en") == [1]  # a word also as a hashtag
    assert matcher.matching("deskday today", "x", "en") == []  # a hashtag only as one
    assert matcher.matching("happy #DeskDay!", "x", "en") == [1]


def test_phrases_ignore_case_and_spacing_and_filters_apply() -> None:
    matcher = RuleMatcher(RULES)
    assert matcher.matching("Der TANDEM\n  desk hängt", "x", "de") == [1, 3]
    assert matcher.matching("the tandem desk hangs", "x", "en") == [1]
    assert matcher.matching("the tandem desk hangs", "x", "en", check_language=False) == [1, 3]
    assert matcher.matching("big outage", "x", "en") == []
    assert matcher.matching("big outage", "mastodon", "en") == [4]


def test_no_rules_match_nothing() -> None:
    assert RuleMatcher([]).matching("tandem", "x", "en") == []
