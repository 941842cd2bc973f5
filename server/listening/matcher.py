"""Which listening rules a public post matches, for hundreds of rules at once.

Every term of every active rule goes into one Aho-Corasick automaton (pyahocorasick), so a
post is scanned once whatever the number of rules, instead of once per rule and term. A hit
counts only at word boundaries ("tandem" is not found in "tandemly"); a hashtag term
("#tandem") is found only as that hashtag, a word also as a hashtag ("tandem" in "#tandem").
A rule matches when one of its `any` terms and all of its `all` terms were found and none of
its `none` terms, and the post's language and network pass its filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick


@dataclass(frozen=True)
class RuleTerms:
    """One rule as the matcher needs it (terms as people typed them)."""

    rule_id: int
    any_terms: tuple[str, ...] = ()
    all_terms: tuple[str, ...] = ()
    none_terms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()  # empty: every language
    networks: tuple[str, ...] = ()  # empty: every network


def normalized(term: str) -> str:
    """A term as the automaton keeps it: lower case, inner spaces collapsed."""
    return " ".join(term.casefold().split())


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


class RuleMatcher:
    """The automaton of a set of rules; build a new one when the rules change."""

    def __init__(self, rules: Iterable[RuleTerms]) -> None:
        self.rules = {rule.rule_id: rule for rule in rules}
        # term -> its index; per rule the indexes of its terms, by kind.
        self._terms: dict[str, int] = {}
        self._any: dict[int, frozenset[int]] = {}
        self._all: dict[int, frozenset[int]] = {}
        self._none: dict[int, frozenset[int]] = {}
        # term index -> the rules a hit of it may make match (their any/all terms)
        self._candidates: dict[int, list[int]] = {}
        for rule in self.rules.values():
            self._any[rule.rule_id] = self._indexes(rule.any_terms)
            self._all[rule.rule_id] = self._indexes(rule.all_terms)
            self._none[rule.rule_id] = self._indexes(rule.none_terms)
            for index in self._any[rule.rule_id] | self._all[rule.rule_id]:
                self._candidates.setdefault(index, []).append(rule.rule_id)
        self._automaton = ahocorasick.Automaton()
        for term, index in self._terms.items():
            self._automaton.add_word(term, (index, len(term)))
        if self._terms:
            self._automaton.make_automaton()

    def _indexes(self, terms: Sequence[str]) -> frozenset[int]:
        found = set()
        for term in terms:
            key = normalized(term)
            if key:
                found.add(self._terms.setdefault(key, len(self._terms)))
        return frozenset(found)

    def found_terms(self, text: str) -> set[int]:
        """The indexes of the terms in `text`, at word boundaries."""
        if not self._terms:
            return set()
        low = " ".join(text.casefold().split())
        found: set[int] = set()
        size = len(low)
        for end, (index, length) in self._automaton.iter(low):
            start = end - length + 1
            if start > 0 and _word_char(low[start - 1]):
                continue  # "tandem" inside "xtandem" (but "#tandem" counts for "tandem")
            if end + 1 < size and _word_char(low[end + 1]):
                continue
            found.add(index)
        return found

    def matching(self, text: str, network: str, language: str | None, *,
                 check_language: bool = True) -> list[int]:
        """The ids of the rules `text` matches, in id order. Without `check_language` the
        language filters are left out (the caller reads the language of candidates only)."""
        found = self.found_terms(text)
        if not found:
            return []
        matched = []
        for rule_id in sorted({r for index in found for r in self._candidates.get(index, ())}):
            rule = self.rules[rule_id]
            if rule.networks and network not in rule.networks:
                continue
            if check_language and rule.languages and language not in rule.languages:
                continue
            wanted_any = self._any[rule_id]
            if wanted_any and not wanted_any & found:
                continue
            if not self._all[rule_id] <= found or self._none[rule_id] & found:
                continue
            matched.append(rule_id)
        return matched
