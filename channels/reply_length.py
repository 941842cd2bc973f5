"""How long a reply may be on each network, and how the network counts its length.

The limits are the networks' documented ones for the text of one reply. They belong to the
network, not the adapter: the Meta adapter serves Facebook (8,000 characters a comment) and
Instagram (2,200) alike. The reply editor shows the same count live (web/static/js/
reply_length.js mirrors `length`), and the desk refuses a longer reply before it is
submitted, rather than letting the network refuse it after approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Counting = Literal["chars", "x"]

# What X and Mastodon count a link as, whatever its length (t.co wrapping; Mastodon
# counts every URL as 23 characters too).
URL_LENGTH = 23
URL = re.compile(r"https?://\S+")
# twitter-text v3: code points in these ranges weigh 1, all others 2 (CJK, emoji).
_X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
# Parts of an emoji sequence that X folds into the emoji they modify.
_X_FOLDED = {0x200D, 0xFE0E, 0xFE0F} | set(range(0x1F3FB, 0x1F400))


@dataclass(frozen=True)
class ReplyLimit:
    """At most `limit` counted characters, counted the network's way."""

    limit: int
    counting: Counting = "chars"
    links_as: int | None = None  # every link counts as this many characters

    def as_json(self) -> dict[str, object]:
        return {"limit": self.limit, "counting": self.counting, "links_as": self.links_as}


# (network, visibility) -> the limit; public replies and private messages differ.
_LIMITS: dict[tuple[str, str], ReplyLimit] = {
    ("x", "public"): ReplyLimit(280, "x", URL_LENGTH),
    ("x", "private"): ReplyLimit(10000),
    ("mastodon", "public"): ReplyLimit(500, "chars", URL_LENGTH),
    ("mastodon", "private"): ReplyLimit(500, "chars", URL_LENGTH),
    ("facebook", "public"): ReplyLimit(8000),
    ("facebook", "private"): ReplyLimit(2000),
    ("instagram", "public"): ReplyLimit(2200),
    ("instagram", "private"): ReplyLimit(1000),
    ("youtube", "public"): ReplyLimit(10000),
    ("whatsapp", "private"): ReplyLimit(4096),
    ("telegram", "public"): ReplyLimit(4096),
    ("telegram", "private"): ReplyLimit(4096),
}


def reply_limit(network: str, visibility: str) -> ReplyLimit | None:
    """The network's limit for a reply on a thread, or None where it sets none (e-mail)."""
    return _LIMITS.get((network, visibility))


def _x_weight(code: int) -> int:
    if code in _X_FOLDED:
        return 0
    return 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT) else 2


def length(text: str, rule: ReplyLimit) -> int:
    """`text`'s length as the network counts it."""
    links = 0
    if rule.links_as is not None:
        links = len(URL.findall(text)) * rule.links_as
        text = URL.sub("", text)
    if rule.counting == "x":
        return links + sum(_x_weight(ord(c)) for c in text)
    return links + len(text)
