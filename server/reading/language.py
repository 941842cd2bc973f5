"""Which language a post is in: German or English, the desk's two languages.

lingua (lingua-language-detector) ships its n-gram models in the wheel and is accurate on
short texts. Restricted to the two languages, it decides between them only, which is faster
and more accurate for this desk than choosing among seventy-five; a post in a third
language is read as whichever of the two it is closer to.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import lingua
from lingua import LanguageDetector, LanguageDetectorBuilder

Language = Literal["de", "en"]
CODES: dict[lingua.Language, Language] = {lingua.Language.GERMAN: "de",
                                          lingua.Language.ENGLISH: "en"}


@cache
def _detector() -> LanguageDetector:
    # Built on first use (it loads the models, about a second), never at import.
    return LanguageDetectorBuilder.from_languages(*CODES).build()


def detect(text: str) -> Language | None:
    """"de" or "en"; None for a post without letters (only emojis, numbers or a link)."""
    if not any(ch.isalpha() for ch in text):
        return None
    found = _detector().detect_language_of(text)
    return CODES.get(found) if found is not None else None
