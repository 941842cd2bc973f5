"""Which language a post is in: German or English, the desk's two languages.

lingua (lingua-language-detector) ships its n-gram models in the wheel and is accurate on
short texts. Restricted to the two languages, it decides between them only, which is faster
and more accurate for this desk than choosing among seventy-five; a post in a third
language is read as whichever of the two it is closer to.

lingua takes about 0.1 ms of CPU per post, as much as the sentiment. Most posts name their
language in their little words ("ich", "nicht", "der" or "the", "my", "is"), so a post with
two or more of one language's and at most a quarter as many of the other's is decided by
them (a few microseconds); lingua reads the rest: short posts, mixed posts, posts without
such words.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

import lingua
from lingua import LanguageDetector, LanguageDetectorBuilder

Language = Literal["de", "en"]
CODES: dict[lingua.Language, Language] = {lingua.Language.GERMAN: "de",
                                          lingua.Language.ENGLISH: "en"}

# Function words of one of the two languages only: "in", "an", "was", "will", "also", "so",
# "man" and "am" are words in both and count for neither.
GERMAN_WORDS = frozenset((
    "der", "die", "das", "den", "dem", "des", "und", "ist", "sind", "nicht", "ich", "mein",
    "meine", "meinen", "mir", "mich", "euch", "ihr", "wir", "sie", "es", "ein", "eine", "einen",
    "auf", "mit", "von", "für", "bei", "seit", "noch", "schon", "wieder", "aber", "auch", "wie",
    "wo", "wann", "warum", "bitte", "danke", "dass", "sich", "war", "habe", "hat", "haben",
    "wird", "werden", "kann", "können", "zu", "im", "oder", "nur", "sehr", "kein", "keine",
    "keinen",
))
ENGLISH_WORDS = frozenset((
    "the", "and", "is", "are", "not", "i", "my", "me", "you", "your", "we", "they", "it", "a",
    "on", "with", "of", "for", "at", "since", "still", "again", "but", "how", "what", "where",
    "when", "why", "please", "thanks", "thank", "that", "have", "has", "had", "can", "could",
    "to", "or", "only", "very", "this", "there",
))
_WORD = re.compile(r"[^\W\d_]+")
CLEAR_MAJORITY = 4


def by_little_words(text: str) -> Language | None:
    words = _WORD.findall(text.lower())
    german = sum(1 for word in words if word in GERMAN_WORDS)
    english = sum(1 for word in words if word in ENGLISH_WORDS)
    # One stray word of the other language (a quoted "the", an "i" in a code) does not
    # make a post mixed: the clear majority decides.
    if german >= 2 and german >= CLEAR_MAJORITY * english:
        return "de"
    if english >= 2 and english >= CLEAR_MAJORITY * german:
        return "en"
    return None


@cache
def _detector() -> LanguageDetector:
    # Built on first use (it loads the models, about a second), never at import.
    return LanguageDetectorBuilder.from_languages(*CODES).build()


def detect(text: str) -> Language | None:
    """"de" or "en"; None for a post without letters (only emojis, numbers or a link)."""
    if not any(ch.isalpha() for ch in text):
        return None
    quick = by_little_words(text)
    if quick is not None:
        return quick
    found = _detector().detect_language_of(text)
    return CODES.get(found) if found is not None else None
