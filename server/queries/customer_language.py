"""Which of the desk's languages a customer writes in, read from their messages.

The networks rarely say (and never for a comment), so the desk looks at the words: a few
hundred characters of the customer's newest messages in the thread are plenty to tell
German from English. When the words do not tell, the desk's default language decides.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.models import Message, Thread

_WORD = re.compile(r"[^\W\d_]+")
# Short words that are common in one language and rare in the other.
_HINTS = {
    "de": frozenset((
        "und", "der", "die", "das", "den", "dem", "des", "ich", "nicht", "ist", "mit", "ein",
        "eine", "einen", "sie", "wir", "bitte", "danke", "kein", "keine", "keinen", "seit",
        "wie", "auf", "für", "mein", "meine", "ihr", "ihre", "ihnen", "hallo", "noch",
        "schon", "warum", "immer", "heute", "habe", "haben", "wieder", "aber", "auch", "bei",
        "von", "zu", "zum", "zur", "es", "mir", "mich", "uns", "sind", "wird", "wurde",
        "geht", "gibt", "endlich"
    )),
    "en": frozenset((
        "the", "and", "is", "my", "not", "you", "your", "for", "with", "this", "that", "have",
        "has", "please", "thanks", "thank", "why", "still", "again", "today", "no", "hi",
        "hello", "what", "are", "it", "of", "to", "on", "me", "we", "our",
        "since", "when", "can", "cannot", "been", "any", "there", "finally"
    )),
}
_SAMPLE = 5  # the customer's newest messages looked at


def guess_language(texts: list[str]) -> str | None:
    """"de" or "en" when the words say so, else None."""
    scores = dict.fromkeys(_HINTS, 0)
    for text in texts:
        lowered = text.lower()
        scores["de"] += sum(lowered.count(c) for c in "äöüß")
        for word in _WORD.findall(lowered):
            for language, hints in _HINTS.items():
                if word in hints:
                    scores[language] += 1
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


async def thread_language(session: AsyncSession, thread: Thread, default: str) -> str:
    """The language the thread's customer writes in, or `default`."""
    texts = (await session.scalars(
        select(col(Message.text)).where(
            col(Message.thread_id) == thread.id, col(Message.direction) == "in",
            col(Message.contact_id) == thread.contact_id,
        ).order_by(col(Message.id).desc()).limit(_SAMPLE)
    )).all()
    return guess_language(list(texts)) or default
