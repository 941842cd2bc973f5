"""The English reader: VADER (vaderSentiment), sentence by sentence, with the desk's words.

VADER's negation reaches three words back across sentence ends ("...deliver nothing. Very
disappointing" reads as "not disappointing"), so each sentence is scored alone and their
sums added before VADER's squashing into -1..1. Emojis and a few set phrases are replaced by
words of their own, given the desk's valences (data/emoji.tsv, PHRASES), so both readers
weigh an emoji alike; VADER would read an emoji as its English description, and knows no
description words for many of the newer ones (🤬).
"""

from __future__ import annotations

import math
import re
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from server.reading.german import ALPHA, MODIFIERS
from server.reading.lexicon import load

PHRASES = {
    "thanks for nothing": -2.6, "thank you for nothing": -2.6, "never again": -2.4,
    "hats off": 2.6, "keep it up": 2.2, "is a joke": -2.0, "as well": 0.0,
    "sick of": -2.4, "fed up": -2.4, "had enough": -2.2, "well done": 1.8,
    "saved my day": 2.6, "nothing but": 0.0, "doesn't work": -1.8, "does not work": -1.8,
    "not working": -1.8, "isn't working": -1.8, "stopped working": -2.0,
    "where is it": -1.4, "where is my": -1.4, "where's my": -1.4,
    "went the extra mile": 2.6, "good job": 2.4, "great work": 2.6,
}
# Things a customer expects to have: neutral, but negative when missing ("no signal").
EXPECTED = ("internet", "signal", "reception", "power", "phone line", "connection", "wifi",
            "reply", "answer", "response", "callback", "call back", "update", "help",
            "fix", "solution", "refund", "apology", "email", "delivery", "parcel", "idea",
            "arrived", "showed up", "turned up", "came")
UNMET = -1.6
_UNMET = re.compile(r"\b(?:no|without|never(?: got an?)?|zero|still no)\s+(?:"
                    + "|".join(EXPECTED) + r")\b", re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_LIMIT = 0.9999  # VADER's scores are rounded: a 1.0 would have an infinite sum


def _word(key: str) -> str:
    """A made-up word, one token for VADER: letters and underscores only."""
    return "desk_" + "_".join(f"{ord(ch):x}" if not ch.isalnum() else ch for ch in key)


@cache
def _vader() -> tuple[SentimentIntensityAnalyzer, list[tuple[str, re.Pattern[str], str]]]:
    """VADER with the desk's words, and what to replace: (key, its pattern, its word)."""
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(load("en.tsv"))
    analyzer.lexicon[_word("unmet")] = UNMET
    replacements = []
    for key, valence in load("emoji.tsv").items():
        replacements.append((key, re.compile(re.escape(key)), _word(key)))
        analyzer.lexicon[_word(key)] = valence
    for key, valence in PHRASES.items():
        # Whole words only: "as well" is not in "was well received".
        pattern = re.compile(rf"(?<!\w){re.escape(key)}(?!\w)", re.IGNORECASE)
        replacements.append((key, pattern, _word(key)))
        analyzer.lexicon[_word(key)] = valence
    return analyzer, replacements


def score(text: str) -> float:
    analyzer, replacements = _vader()
    text = _UNMET.sub(f" {_word('unmet')} ", MODIFIERS.sub("", text))
    low = text.lower()
    for key, pattern, word in replacements:
        if key in low:  # a cheap test first: most posts have none of them
            text = pattern.sub(f" {word} ", text)
            low = text.lower()
    total = 0.0
    for sentence in _SENTENCES.split(text):
        compound = max(-_LIMIT, min(_LIMIT, analyzer.polarity_scores(sentence)["compound"]))
        # The inverse of VADER's normalize(): the sentence's sum of valences.
        total += compound * math.sqrt(ALPHA / (1 - compound * compound))
    return total / math.sqrt(total * total + ALPHA)
