"""Mastodon's shapes: the streaming API's Server-Sent Events, status HTML, notifications.

The user stream speaks SSE (`event: notification` with a JSON Notification as `data`,
`:thump`-style comments as heartbeats). A mention's status carries HTML `content`; the desk
keeps text only. A direct status is private (one thread per author); a public reply joins
the thread the adapter found for it in its conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from channels.base import InboundItem
from channels.json_values import iso_moment, obj, short_str

MAX_TEXT = 20000
# A line this long is no event Mastodon sends: the stream is broken, not just slow.
MAX_LINE = 1024 * 1024
_LINE_END = re.compile(r"\r\n|\r|\n")


# -- Server-Sent Events ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServerEvent:
    event: str
    data: str


class StreamTooLong(ValueError):
    """A line without end beyond MAX_LINE: the stream is dropped and opened again."""


class EventStream:
    """An incremental SSE parser (the WHATWG event-stream rules that Mastodon relies on):
    lines end in CRLF, LF or CR; `field: value` loses one space after the colon; `data`
    lines join with LF; a blank line dispatches; a line starting with ':' is a comment; an
    event not ended by a blank line when the stream closes is never dispatched."""

    def __init__(self) -> None:
        self._pending = ""
        self._after_cr = False
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: str) -> list[ServerEvent]:
        if not chunk:
            return []
        if self._after_cr and chunk.startswith("\n"):
            chunk = chunk[1:]  # the LF of a CRLF that the last chunk ended inside
        self._after_cr = chunk.endswith("\r")
        self._pending += chunk
        found: list[ServerEvent] = []
        while match := _LINE_END.search(self._pending):
            line, self._pending = self._pending[:match.start()], self._pending[match.end():]
            if (event := self._line(line)) is not None:
                found.append(event)
        if len(self._pending) > MAX_LINE:
            raise StreamTooLong("a line of the stream exceeds the limit")
        return found

    def _line(self, line: str) -> ServerEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        # `id` and `retry` steer browsers' reconnection; the watcher resumes by cursor.
        return None

    def _dispatch(self) -> ServerEvent | None:
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return ServerEvent(event, "\n".join(data))


# -- status HTML ----------------------------------------------------------------------------


class _TextOnly(HTMLParser):
    """Keeps the text of status HTML: paragraphs become blank lines, <br> a line break.

    Link text is kept whole (Mastodon hides a long URL's middle in `invisible` spans, whose
    text completes it); nothing is rendered, so markup can do no harm here.
    """

    _SKIPPED = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("p", "li", "blockquote", "pre") and self.parts:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    parser = _TextOnly()
    parser.feed(content)
    parser.close()
    lines = "".join(parser.parts).replace("\xa0", " ").split("\n")
    text = "\n".join(line.strip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# -- notifications --------------------------------------------------------------------------


def newer(a: str | None, b: str | None) -> str | None:
    """The later of two Mastodon ids (numeric strings that grow with time)."""
    if not a or not b:
        return a or b
    key = (lambda i: (len(i), i)) if a.isdigit() and b.isdigit() else (lambda i: ("", i))
    return max(a, b, key=key)


def status_text(status: dict[str, Any]) -> str:
    content = status.get("content")
    text = html_to_text(content) if isinstance(content, str) else ""
    warning = status.get("spoiler_text")
    if isinstance(warning, str) and warning.strip():
        text = f"{warning.strip()}\n\n{text}"  # the content warning, as the author wrote it
    links: list[str] = [m["url"] for m in status.get("media_attachments") or []
                        if isinstance(m, dict) and isinstance(m.get("url"), str)]
    return "\n".join([text, *links]).strip()[:MAX_TEXT]


def mention_status(notification: Any) -> dict[str, Any] | None:
    """The status of a mention notification, or None for any other notification."""
    if not isinstance(notification, dict) or notification.get("type") != "mention":
        return None
    status = notification.get("status")
    return status if isinstance(status, dict) else None


def to_item(notification: dict[str, Any], account_id: str | None,
            thread_key: str | None = None) -> InboundItem | None:
    """A mention as the desk's item. `thread_key` is the thread a public reply joins (None:
    a thread of its own); a direct status always joins its author's conversation."""
    status = mention_status(notification)
    if status is None or isinstance(status.get("reblog"), dict):
        return None
    author = obj(status.get("account"))
    author_id, status_id = short_str(author.get("id")), short_str(status.get("id"))
    if not author_id or not status_id or author_id == account_id:
        return None
    text = status_text(status)
    if not text:
        return None
    handle = short_str(author.get("acct")) or short_str(author.get("username"))
    private = status.get("visibility") == "direct"
    replied = short_str(status.get("in_reply_to_id"))
    return InboundItem(
        external_id=status_id, author_id=author_id,
        author_name=short_str(author.get("display_name")) or handle or author_id,
        author_handle=handle, text=text, visibility="private" if private else "public",
        thread_key=None if private else thread_key,
        reply_to=replied, created_at=iso_moment(status.get("created_at")), raw=notification,
    )


def notification_of(event: ServerEvent) -> dict[str, Any] | None:
    """The Notification a stream event carries (other events, such as `delete`, are None)."""
    if event.event != "notification":
        return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None
