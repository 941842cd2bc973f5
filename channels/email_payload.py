"""E-mail in the desk's words: a mail becomes an InboundItem, a reply becomes a mail.

Threading follows the headers every mail client writes: the thread of a mail is the first
Message-ID in its References (the conversation's root), else the one it answers
(In-Reply-To), else its own. The desk's own Message-IDs carry the root of their thread, so a
reply from a client that keeps only In-Reply-To still joins the right thread, and they are
made from the outbox's idempotency key, so a resent reply is recognisably the same mail.

HTML is never shown as HTML: it is turned into plain text here, and the page escapes text.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from html.parser import HTMLParser
from typing import Any

from channels.base import InboundItem

MAX_TEXT = 20_000
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
DESK_ID = re.compile(r"^<tandem\.[0-9a-f]{24}\.([a-z2-7]+)@[^<>\s]+>$")
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)
PAPERCLIP = "\N{PAPERCLIP}"


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int

    def line(self) -> str:
        return f"{PAPERCLIP} {self.name} ({self.content_type}, {human_size(self.size)})"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


# -- Message-IDs and threads -------------------------------------------------------------


def message_ids(value: object) -> list[str]:
    return MESSAGE_ID.findall(str(value or ""))


def desk_message_id(idempotency_key: str, root: str, domain: str) -> str:
    """The Message-ID of a reply the desk sends: the same for every attempt of one outbox
    item, and carrying its thread's root so that an answer to it maps back."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
    packed = base64.b32encode(root.strip("<>").encode()).decode().rstrip("=").lower()
    return f"<tandem.{digest}.{packed}@{domain}>"


def root_of_desk_id(message_id: str) -> str | None:
    """The thread root a desk-made Message-ID carries, or None for anybody else's."""
    found = DESK_ID.match(message_id)
    if not found:
        return None
    packed = found.group(1).upper()
    try:
        root = base64.b32decode(packed + "=" * (-len(packed) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return f"<{root}>" if MESSAGE_ID.fullmatch(f"<{root}>") else None


def thread_root(references: list[str], in_reply_to: list[str], own_id: str) -> str:
    first = (references or in_reply_to or [own_id])[0]
    return root_of_desk_id(first) or first


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


# -- inbound -----------------------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    """Readable text of an HTML mail: no markup, scripts or styles; links keep their target."""

    SKIPPED = {"script", "style", "head", "title", "template", "noscript"}
    # A blockquote's text is marked, then quoted "> " line by line (see html_to_text).
    QUOTE_START, QUOTE_END = "\x01", "\x02"
    BLOCKS = {"p", "div", "br", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
              "blockquote", "pre", "hr", "section", "article", "header", "footer"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        # (target, where the link's text starts in parts) of the links being read.
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag == "blockquote":
            self.parts.append(f"\n{self.QUOTE_START}")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            target = href if href.startswith(("http://", "https://")) else None
            self._links.append((target, len(self.parts)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "blockquote":
            self.parts.append(f"{self.QUOTE_END}\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            if href and "".join(self.parts[start:]).strip() != href:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _quoted(found: re.Match[str]) -> str:
    lines = [line for line in found.group(1).splitlines() if line.strip()]
    return "\n".join(f"> {line}" for line in lines)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    # Innermost blockquotes first: a quote inside a quote gets "> > ".
    inner = re.compile(f"{parser.QUOTE_START}([^{parser.QUOTE_START}{parser.QUOTE_END}]*)"
                       f"{parser.QUOTE_END}")
    while (quoted := inner.sub(_quoted, text)) != text:
        text = quoted
    text = text.replace(parser.QUOTE_START, "").replace(parser.QUOTE_END, "")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def without_quote(text: str) -> str:
    """Drop the quoted mail below an answer ("> ..." lines and their "... wrote:" line)."""
    lines = text.rstrip().splitlines()
    end = len(lines)
    while end and (lines[end - 1].lstrip().startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end == len(lines) or end == 0:
        return text.strip()
    if lines[end - 1].rstrip().endswith(":"):
        end -= 1
    kept = "\n".join(lines[:end]).strip()
    return kept or text.strip()


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        # An unknown charset or a broken encoding: show what can be read.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def body_text(mail: EmailMessage) -> str:
    """text/plain when the mail has it, else its HTML as plain text."""
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)  # type: ignore[arg-type]
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return without_quote(content.replace("\r\n", "\n"))


def attachments(mail: EmailMessage) -> list[Attachment]:
    found = []
    for part in mail.iter_attachments():
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else len(part.as_bytes())
        name = part.get_filename() or "(unnamed)"
        found.append(Attachment(name=str(name), content_type=part.get_content_type(), size=size))
    return found


def _address(mail: EmailMessage) -> Address | None:
    try:
        addresses = getattr(mail["From"], "addresses", ())
    except (ValueError, IndexError):
        return None
    # Only an address with a domain can be answered.
    return addresses[0] if addresses and "@" in addresses[0].addr_spec else None


def _date(mail: EmailMessage) -> datetime | None:
    try:
        when = getattr(mail["Date"], "datetime", None)
    except (ValueError, TypeError):
        return None
    if not isinstance(when, datetime):
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def parse_mail(raw: bytes, uid: int | None = None) -> InboundItem | None:
    """The item for one mail; None for a mail the desk itself sent (it has it already)."""
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(mail, EmailMessage)
    own = message_ids(mail["Message-ID"])
    # A mail without a Message-ID still needs a stable id, or each re-read would store it again.
    message_id = own[0] if own else f"<sha256.{hashlib.sha256(raw).hexdigest()}@tandem.invalid>"
    if root_of_desk_id(message_id):
        return None
    references, in_reply_to = message_ids(mail["References"]), message_ids(mail["In-Reply-To"])
    subject = " ".join(str(mail["Subject"] or "").split())
    sender = _address(mail)
    author = sender.addr_spec.lower() if sender else "unknown@invalid"
    files = attachments(mail)
    body = body_text(mail)
    opens = not (references or in_reply_to)
    lines = [subject] if opens and subject else []
    if body:
        lines.append(body)
    if files:
        lines.append("\n".join(f.line() for f in files))
    raw_fields: dict[str, Any] = {
        "message_id": message_id, "subject": subject, "from": author,
        "in_reply_to": in_reply_to, "references": references,
        "attachments": [asdict(f) for f in files],
    }
    if uid is not None:
        raw_fields["uid"] = uid
    return InboundItem(
        external_id=message_id,
        author_id=author,
        author_name=(sender.display_name if sender else "") or author,
        author_handle=author,
        text="\n\n".join(lines)[:MAX_TEXT] or subject or "(empty mail)",
        visibility="private",
        thread_key=thread_root(references, in_reply_to, message_id),
        reply_to=next(iter(in_reply_to or references[-1:]), None),
        created_at=_date(mail),
        raw=raw_fields,
    )


# -- outbound ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """What a reply needs from the mail it answers (read from the mailbox)."""

    subject: str
    references: list[str]


def reply_mail(*, sender: Address, recipient: str, text: str, message_id: str,
               in_reply_to: str | None, root: str, answered: Answered | None) -> EmailMessage:
    """A plain-text UTF-8 reply that mail clients file under the customer's conversation."""
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = sender
    mail["To"] = recipient
    mail["Subject"] = reply_subject(answered.subject if answered else "")
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id
    if in_reply_to:
        chain = list(answered.references if answered else [root])
        if in_reply_to not in chain:
            chain.append(in_reply_to)
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = " ".join(chain)
    mail.set_content(text, charset="utf-8")
    return mail


def answered_from_headers(headers: bytes) -> Answered:
    mail = BytesParser(policy=policy.default).parsebytes(headers, headersonly=True)
    references = message_ids(mail["References"]) or message_ids(mail["In-Reply-To"])
    return Answered(subject=" ".join(str(mail["Subject"] or "").split()),
                    references=references)
