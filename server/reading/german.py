"""The desk's German reader: VADER's rules over a German lexicon (data/de.tsv).

VADER (Hutto and Gilbert, 2014) sums the valence of each word a post has, after intensifiers
("sehr gut"), negation ("nicht gut", and German's trailing "gefällt mir nicht"), a word in
capitals among lower case ones, and "aber" (what follows it counts more) have changed it,
adds emphasis for "!!!", and squashes the sum into -1..1. Its constants are used as they are.
German posts complain with nouns as much as with adjectives ("kein Internet", "nicht
erreichbar"), so a negated expectation counts as negative too.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache

from server.reading.lexicon import load

# VADER's constants (vaderSentiment.vaderSentiment).
BOOST = 0.293
CAPS = 0.733
NEGATE = -0.74
ALPHA = 15
EXCLAMATION = 0.292  # per "!", at most four
QUESTIONS = 0.18  # per "?" when there are two or three
QUESTIONS_MAX = 0.96
BEFORE_BUT, AFTER_BUT = 0.5, 1.5
# A word or emoji this far after a negation or intensifier, in the same clause, is changed.
REACH = 3
# What a negated expectation ("kein Netz", "nicht angekommen") weighs.
UNMET = -1.6

NEGATIONS = frozenset({
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "keinerlei", "nie",
    "niemals", "nichts", "nix", "ohne", "weder", "kaum", "null", "niemand", "nirgends",
})
# Only these stand after what they negate ("es funktioniert nicht", "gefällt mir nicht").
TRAILING_NEGATIONS = frozenset({"nicht", "nie", "niemals", "kaum"})
BOOSTERS = {
    **dict.fromkeys((
        "sehr", "total", "extrem", "echt", "wirklich", "so", "voll", "absolut", "richtig",
        "besonders", "äußerst", "höchst", "ganz", "komplett", "völlig", "zutiefst", "ziemlich",
        "dermaßen", "mega", "super", "tierisch", "gar", "überhaupt", "unglaublich", "unfassbar",
        "einfach", "wieder", "immer", "schon", "ständig", "dauernd", "viel", "vielen",
        "herzlich", "herzlichen", "großes", "großen", "riesig", "riesen",
    ), BOOST),
    **dict.fromkeys((
        "etwas", "bisschen", "leicht", "eher", "teilweise", "wenig", "relativ", "halbwegs",
        "einigermaßen", "fast",
    ), -BOOST),
}
BUT = frozenset({"aber", "jedoch", "allerdings", "trotzdem", "dennoch", "leider"})
# Things a customer expects to have or to happen: neutral, but negative when missing.
EXPECTED = frozenset({
    "internet", "netz", "empfang", "signal", "strom", "telefon", "verbindung", "wlan", "tv",
    "antwort", "rückmeldung", "rückruf", "reaktion", "hilfe", "lösung", "info", "information",
    "informationen", "entschuldigung", "lieferung", "paket", "erstattung", "geld", "mail",
    "e-mail", "ordnung", "erreichbar", "angekommen", "gekommen", "geliefert", "zugestellt",
    "erhalten", "bekommen", "gemeldet", "reagiert", "geholfen", "verfügbar", "zuständig",
    "bescheid", "ergebnis", "erreicht", "weiter", "mehr", "wahr", "kundenservice", "service",
})
# Set phrases whose words alone read otherwise.
PHRASES = {
    "danke für nichts": -2.6, "danke für nix": -2.6, "danke für gar nichts": -2.8,
    "nie wieder": -2.4, "die nase voll": -2.6, "reicht es mir": -2.2, "reicht mir": -2.0,
    "nicht wahr sein": -2.2, "hut ab": 2.6, "weiter so": 2.2, "gerne wieder": 1.6,
    "gern wieder": 1.6, "fünf sterne": 2.4, "5 sterne": 2.4, "toll gemacht": -0.4,
    "nicht nur": 0.0, "gute arbeit": 2.4, "den tag gerettet": 2.6,
    "wo bleibt": -1.4,
}
ENDINGS = ("en", "er", "es", "em", "e", "n", "s", "st", "t", "te", "ten", "ung", "ungen",
           "lich")

_TOKEN = re.compile(r"(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)|(?P<stop>[.,;:!?]+)|(?P<other>\S)")
_REPEATS = re.compile(r"(\w)\1{2,}")
# Variation selectors and skin tones: "👍🏽" and "❤️" read as "👍" and "❤".
MODIFIERS = re.compile("[\ufe0f\ufe0e\U0001f3fb-\U0001f3ff\u200d]")


@cache
def _lexicon() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    words: dict[str, float] = {}
    stems: dict[str, float] = {}
    for word, valence in load("de.tsv").items():
        if word.endswith("*"):
            stems[word[:-1]] = valence
            words.setdefault(word[:-1], valence)
        else:
            words[word] = valence
    return words, stems, load("emoji.tsv")


# Bounded: the words come from the public. Most posts repeat common words, so the
# ending-by-ending stem search below runs once per word, not once per post.
@lru_cache(maxsize=1 << 16)
def valence(word: str) -> float | None:
    """The lexicon's valence of a lower-case word, through its stem if need be."""
    words, stems, _ = _lexicon()
    found = words.get(word)
    if found is not None:
        return found
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            found = stems.get(word[: -len(ending)])
            if found is not None:
                return found
    squeezed = _REPEATS.sub(r"\1", word)  # "suuuper", "neeein"
    return valence(squeezed) if squeezed != word else None


def _phrases(low: str) -> tuple[str, list[float]]:
    """The phrases' valences, and the text with them blanked out."""
    found = []
    for phrase, weight in PHRASES.items():
        at = low.find(phrase)
        end = at + len(phrase)
        # Whole words only: "reicht mir" is not in "erreicht mir".
        if at >= 0 and not (at and low[at - 1].isalnum()) and not low[end:end + 1].isalnum():
            found.append(weight)
            low = low[:at] + " " * len(phrase) + low[end:]
    return low, found


def score(text: str) -> float:
    text = MODIFIERS.sub("", text)
    low, sentiments = _phrases(text.lower())
    _, _, emojis = _lexicon()
    # (lower-case word or symbol, whether it was written in capitals, is a clause end)
    tokens: list[tuple[str, bool, bool]] = []
    for match in _TOKEN.finditer(low):
        kind, piece = match.lastgroup, match.group()
        original = text[match.start():match.end()]
        shouting = kind == "word" and len(piece) > 1 and original.isupper()
        tokens.append((piece, shouting, kind == "stop"))
    words = [t for t in tokens if not t[2] and t[0].isalpha()]
    # Capitals stand out only among lower case ones, not in a post written all in capitals.
    caps_differ = any(t[1] for t in words) and not all(t[1] for t in words)
    but_at: int | None = None
    for i, (piece, shouting, stop) in enumerate(tokens):
        if stop:
            continue
        if piece in BUT and but_at is None:
            but_at = len(sentiments)
        value = emojis.get(piece)
        if value is not None:
            sentiments.append(value)
            continue
        value = valence(piece)
        if value is None:
            if piece in EXPECTED and _negated(tokens, i):
                sentiments.append(UNMET)
            continue
        if shouting and caps_differ:
            value += CAPS if value > 0 else -CAPS
        value += _boost(tokens, i, value)
        if _negated(tokens, i):
            value *= NEGATE
        sentiments.append(value)
    if but_at is not None:
        sentiments = [v * BEFORE_BUT for v in sentiments[:but_at]] + \
                     [v * AFTER_BUT for v in sentiments[but_at:]]
    total = sum(sentiments)
    if total:
        total += math.copysign(_emphasis(text), total)
    return total / math.sqrt(total * total + ALPHA)


def _before(tokens: list[tuple[str, bool, bool]], i: int) -> list[str]:
    """Up to REACH words before token i in its clause, nearest first."""
    found: list[str] = []
    for piece, _, stop in reversed(tokens[max(0, i - REACH):i]):
        if stop:
            break
        found.append(piece)
    return found


def _boost(tokens: list[tuple[str, bool, bool]], i: int, value: float) -> float:
    added = 0.0
    for distance, piece in enumerate(_before(tokens, i)):
        scalar = BOOSTERS.get(piece, 0.0) * (1.0, 0.95, 0.9)[distance]
        added += scalar if value > 0 else -scalar
    return added


def _negated(tokens: list[tuple[str, bool, bool]], i: int) -> bool:
    if any(piece in NEGATIONS for piece in _before(tokens, i)):
        return True
    # German puts "nicht" after the verb: "es klappt nicht", "gefällt mir nicht".
    for piece, _, stop in tokens[i + 1:i + 1 + REACH]:
        if stop or valence(piece) is not None:
            return False
        if piece in TRAILING_NEGATIONS:
            return True
    return False


def _emphasis(text: str) -> float:
    marks = min(text.count("!"), 4) * EXCLAMATION
    questions = text.count("?")
    if questions > 1:
        marks += questions * QUESTIONS if questions <= 3 else QUESTIONS_MAX
    return marks
