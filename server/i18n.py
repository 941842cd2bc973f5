"""Languages: gettext catalogs (Babel .po files in web/locale), chosen per user or browser."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
LANGUAGES = ("en", "de")


@cache
def translations(language: str) -> NullTranslations:
    """The catalog for a language, read straight from its .po file (no compile step)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def negotiate(accept_language: str | None, user_language: str | None, default: str) -> str:
    """The user's own setting wins, then the browser's preference, then the desk default."""
    if user_language in LANGUAGES:
        return user_language
    if accept_language:
        wanted = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                continue
            wanted.append((weight, tag.strip().replace("-", "_")))
        preferred = [tag for _, tag in sorted(wanted, key=lambda w: -w[0]) if tag and tag != "*"]
        try:
            match = Locale.negotiate(preferred, list(LANGUAGES), sep="_")
        except (UnknownLocaleError, ValueError):
            match = None
        if match is not None:
            return match.language
    return default
