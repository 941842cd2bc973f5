"""The words of a post that say what it is about, German and English alike.

Grouping compares posts by their terms: lower case, umlauts folded, function words and
politeness dropped, each word cut to its first six letters (a crude stem that serves German's
long inflected words: "abgebucht", "abgebuchten"), and a few dozen service-desk words of both
languages mapped to one shared concept ("Störung", "Ausfall", "outage" are all `#outage`),
so that a German and an English complaint about the same thing can meet.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-zäöüß]{3,}")
FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
STEM = 6

# Words that say nothing about the subject of a complaint, in either language.
STOPWORDS = frozenset({
    "aber", "alle", "alles", "also", "auch", "auf", "aus", "bei", "beim", "bin", "bis", "bitte",
    "dann", "das", "dass", "dem", "den", "denn", "der", "des", "die", "dies", "diese", "doch",
    "dort", "durch", "ein", "eine", "einem", "einen", "einer", "eines", "euch", "euer", "eure",
    "fuer", "gar", "geht", "gibt", "habe", "haben", "hab", "hat", "hatte", "hier", "ich", "ihr",
    "ihre", "ihnen", "immer", "ist", "jetzt", "kann", "keine", "kein", "mal", "man", "mein",
    "meine", "meinen", "meiner", "mich", "mir", "mit", "nach", "nicht", "noch", "nun", "nur",
    "oder", "ohne", "schon", "sein", "seit", "sich", "sie", "sind", "soll", "sollte", "sowie",
    "und", "uns", "unser", "vom", "von", "vor", "war", "warum", "was", "weil", "wenn", "wer",
    "wie", "wieder", "wir", "wird", "wo", "zum", "zur", "zwar", "hallo", "danke", "moin", "leute",
    "team", "the", "and", "for", "are", "but", "not", "you", "your", "yours", "our", "with",
    "this", "that", "what", "when", "where", "why", "who", "how", "have", "has", "had",
    "were", "been", "any", "all", "can", "cant", "could", "would", "should", "will", "just",
    "now", "still", "again", "from", "there", "here", "they", "them", "their", "its", "it's",
    "into", "out", "about", "hello", "thanks", "thank", "please", "hey", "anyone"
})

# English filler the list above lacks: it says how, not what.
FILLER = frozenset({"going", "gone", "get", "got", "need", "happened", "thing", "since"})

# Dates say when, not what: a wave of complaints about one month is not about months.
CALENDAR = frozenset({
    "januar", "februar", "maerz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "january", "february", "march", "may", "june",
    "july", "october", "december", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
    "samstag", "sonntag", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "heute", "gestern", "morgen", "today", "yesterday", "tomorrow",
})

# Service-desk words of both languages that mean the same thing: one concept each.
CONCEPTS = {
    "#outage": "stoeru ausfal outage offlin",
    "#internet": "intern wlan router verbin connec signal netz",
    "#phone": "telefo phone festne",
    "#twice": "doppel zweima twice double",
    "#debit": "abbuch abgebu lastsc abgezo einzug eingez gebuch debit charge",
    "#refund": "erstat gutsch refund compen entsch",
    "#bill": "rechnu abrech bill invoic",
    "#payment": "abschl zahlun paymen monthl",
    "#overdrawn": "dispoz overdr",
    "#power": "strom power",
}
_CONCEPT_OF = {stem: concept for concept, stems in CONCEPTS.items() for stem in stems.split()}


def terms_of(text: str) -> frozenset[str]:
    """The set of terms of a post (at most a few dozen: a post is short)."""
    found: set[str] = set()
    for word in WORD.findall(text.lower()):
        word = word.translate(FOLD)
        if word in STOPWORDS or word in CALENDAR or word in FILLER:
            continue
        stem = word[:STEM]
        found.add(_CONCEPT_OF.get(stem, stem))
    return frozenset(found)
