"""Events of listening: a public post matched, a match engaged, a rule saved.

Matches are not threads: they fill the board's listening lane and carry no card; engaging
one opens a normal thread, whose own events (thread.opened) carry its card.
"""

from __future__ import annotations

from typing import ClassVar

from server.events.base import DeskEvent, Strict


class ListeningMatchView(Strict):
    id: int
    channel_id: int
    network: str
    external_id: str
    author_name: str
    author_handle: str | None
    text: str
    url: str | None
    posted_at: str | None
    language: str | None
    sentiment_score: float
    sentiment_label: str
    rule_ids: list[int]
    rules: list[str]  # the rules' names, in the order of rule_ids
    matched_at: str
    thread_id: int | None


class ListeningRuleView(Strict):
    id: int
    brand: str
    name: str
    any_terms: list[str]
    all_terms: list[str]
    none_terms: list[str]
    languages: list[str]
    networks: list[str]
    active: bool


class ListeningMatched(DeskEvent):
    type: ClassVar[str] = "listening.matched"
    match: ListeningMatchView


class ListeningEngaged(DeskEvent):
    type: ClassVar[str] = "listening.engaged"
    match_id: int
    thread_id: int


class ListeningRuleSaved(DeskEvent):
    type: ClassVar[str] = "listening.rule_saved"
    rule: ListeningRuleView
