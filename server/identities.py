"""What in a profile or a message points at a person, normalized so equal things compare
equal: e-mail addresses, phone numbers, handles and the words of a name.

Pure functions (no database); ingest, the escalation link and the migration use them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

Identity = tuple[str, str]  # (kind, value)

VALUE_LENGTH = 255
EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# A phone number as people write it: an optional +, then digits with spaces, dots, dashes,
# slashes or a bracketed area code; at least 8 digits in all (checked below).
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ()./-]{6,}\d(?!\w)")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 8, 15
# Dates look like numbers too: 2024-11-30, 30.11.2024, 11/30/2024.
DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
MIN_NAME_WORD = 3
# Networks whose author ids are the person's phone number or e-mail address.
PHONE_NETWORKS = {"whatsapp"}
EMAIL_NETWORKS = {"email"}


def email(value: str) -> str | None:
    value = value.strip().lower()
    return value if EMAIL.fullmatch(value) and len(value) <= VALUE_LENGTH else None


def phone(value: str) -> str | None:
    """Digits only, in international form where the writer gave one ("+49 151 ..." and
    "0049 151 ..." are both "49151..."); a national number keeps its leading 0."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("00") and not value.strip().startswith("+"):
        digits = digits[2:]
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    return digits


def handle(value: str) -> str | None:
    value = value.strip().lstrip("@").lower()
    return value[:VALUE_LENGTH] if len(value) >= MIN_NAME_WORD else None


def name_words(name: str) -> set[str]:
    """The words of a name, case and accents folded ("Jürgen" and "jurgen" meet)."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return {w[:VALUE_LENGTH] for w in re.findall(r"\w+", plain)
            if len(w) >= MIN_NAME_WORD and not w.isdigit()}


def fold_name(name: str) -> str:
    return " ".join(sorted(name_words(name)))


def in_profile(network: str, author_id: str, author_handle: str | None, name: str
               ) -> set[Identity]:
    """What a contact's profile says: the address or number it is, its handle, its name."""
    return set(_profile(network, author_id, author_handle, name))


def _profile(network: str, author_id: str, author_handle: str | None, name: str
             ) -> Iterator[Identity]:
    if network in EMAIL_NETWORKS and (found := email(author_id)):
        yield "email", found
    if network in PHONE_NETWORKS and (found := phone("+" + author_id.lstrip("+"))):
        yield "phone", found
    if author_handle:
        if found := email(author_handle):
            yield "email", found
        elif network not in PHONE_NETWORKS and (found := handle(author_handle)):
            yield "handle", found
    for word in name_words(name):
        yield "name", word


def in_text(text: str) -> Iterator[Identity]:
    """E-mail addresses and phone numbers a customer wrote in a message."""
    seen: set[Identity] = set()
    for match in EMAIL.finditer(text):
        if (found := email(match.group())) and ("email", found) not in seen:
            seen.add(("email", found))
            yield "email", found
    for match in PHONE.finditer(text):
        if DATE.fullmatch(match.group().strip()):
            continue
        if (found := phone(match.group())) and ("phone", found) not in seen:
            seen.add(("phone", found))
            yield "phone", found
