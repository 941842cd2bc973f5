"""The reading of an inbound message: its language and how the customer sounds.

`read_message(text)` is called once per inbound message at ingest; the result is stored on
the message row and shown on its thread's card. Everything it needs ships with the packages
and this folder (lingua's language models, VADER's English lexicon, the desk's German
lexicon in data/): nothing is fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.reading.language import Language, detect
from server.reading.sentiment import LABELS, Label, label_of, score

__all__ = ["LABELS", "Label", "Language", "Reading", "read_message", "warm_up"]


@dataclass(frozen=True, slots=True)
class Reading:
    language: Language | None  # None when the text has no words (only emojis)
    score: float  # -1 (angry) .. 1 (delighted)
    label: Label

    def columns(self) -> dict[str, object]:
        """The message row's columns for this reading."""
        return {"language": self.language, "sentiment_score": self.score,
                "sentiment_label": self.label}


def read_message(text: str) -> Reading:
    language = detect(text)
    value = round(score(text, language), 3)
    return Reading(language=language, score=value, label=label_of(value))


def warm_up() -> None:
    """Load the models and lexicons now (about a second), not on the first post."""
    read_message("Danke, alles gut. Thanks, all good.")
