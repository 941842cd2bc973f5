"""How a post sounds, from -1 (angry) to 1 (delighted), and its label.

English goes to VADER (vaderSentiment: a lexicon and rules tuned for social media, shipped
with the package), read by english.py. German goes to the desk's reader (german.py), which
applies VADER's rules to a German lexicon. Posts
without words (only emojis) go to the German reader too: it scores emojis directly.
"""

from __future__ import annotations

from typing import Literal

from server.reading import english, german

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")

# VADER's own thresholds for its compound score.
POSITIVE_FROM = 0.05
NEGATIVE_FROM = -0.05


def score(text: str, language: str | None) -> float:
    if language == "en":
        return english.score(text)
    return german.score(text)


def label_of(value: float) -> Label:
    if value >= POSITIVE_FROM:
        return "positive"
    if value <= NEGATIVE_FROM:
        return "negative"
    return "neutral"
