"""E-mail without servers: reading mails, threading, HTML made safe, replies, settings."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage

import pytest

from channels.email import EmailAdapter
from channels.email_payload import (
    Answered,
    answered_from_headers,
    desk_message_id,
    html_to_text,
    parse_mail,
    reply_mail,
    root_of_desk_id,
    thread_root,
)
from channels.errors import InvalidSetting


def mail(body: str = "Hello,\nmy parcel is missing.", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Anna Müller <anna@example.org>")
    message["To"] = "service@shop.example"
    message["Subject"] = headers.pop("Subject", "Order 1234 missing")
    message["Message-ID"] = headers.pop("Message_ID", "<a1@example.org>")
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0100"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def test_a_plain_mail_opens_a_thread_under_its_own_message_id() -> None:
    item = parse_mail(mail().as_bytes(), uid=7)
    assert item is not None
    assert item.external_id == "<a1@example.org>"
    assert item.thread_key == "<a1@example.org>"
    assert item.visibility == "private"
    assert (item.author_id, item.author_name) == ("anna@example.org", "Anna Müller")
    # The first mail of a conversation shows its subject above the text.
    assert item.text == "Order 1234 missing\n\nHello,\nmy parcel is missing."
    assert item.created_at is not None and item.created_at.isoformat().startswith(
        "2026-12-01T09:00:00")
    assert item.raw["uid"] == 7


def test_replies_thread_by_references_then_in_reply_to() -> None:
    answer = mail("Any news?\n\nOn Monday Service wrote:\n> We are on it.\n> Regards",
                  Subject="Re: Order 1234 missing", Message_ID="<a3@example.org>",
                  In_Reply_To="<desk-2@shop.example>",
                  References="<a1@example.org> <desk-2@shop.example>")
    item = parse_mail(answer.as_bytes())
    assert item is not None
    assert item.thread_key == "<a1@example.org>"
    assert item.reply_to == "<desk-2@shop.example>"
    # The quoted mail below the answer is left out; the subject of a reply is not repeated.
    assert item.text == "Any news?"
    only_parent = mail(Message_ID="<a4@example.org>", In_Reply_To="<a3@example.org>")
    assert parse_mail(only_parent.as_bytes()).thread_key == "<a3@example.org>"  # type: ignore[union-attr]


def test_a_desk_message_id_carries_its_thread_and_maps_back() -> None:
    made = desk_message_id("tdm-0123", "<CAF+x=y_z@mail.example.org>", "shop.example")
    assert made == desk_message_id("tdm-0123", "<CAF+x=y_z@mail.example.org>", "shop.example")
    assert made != desk_message_id("tdm-0124", "<CAF+x=y_z@mail.example.org>", "shop.example")
    assert made.endswith("@shop.example>")
    assert root_of_desk_id(made) == "<CAF+x=y_z@mail.example.org>"
    assert root_of_desk_id("<a1@example.org>") is None
    # A client that answers with In-Reply-To only still lands in the desk's thread.
    assert thread_root([], [made], "<new@example.org>") == "<CAF+x=y_z@mail.example.org>"
    answer = mail(Message_ID="<a5@example.org>", In_Reply_To=made)
    assert parse_mail(answer.as_bytes()).thread_key == "<CAF+x=y_z@mail.example.org>"  # type: ignore[union-attr]
    # The desk's own mail, if it comes back into the mailbox, is not a customer's message.
    assert parse_mail(mail(Message_ID=made).as_bytes()) is None


def test_html_is_shown_as_text_only() -> None:
    message = mail()
    message.set_content(
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<p>Hello <b>team</b>,</p><script>alert('x')</script>"
        "<p>see <a href='https://shop.example/o/1'>my order</a> &amp; "
        "<a href='javascript:alert(1)'>this</a>"
        "<img src='https://tracker.example/p.gif' alt='logo' onerror='alert(2)'></p>"
        "<ul><li>one</li><li>two</li></ul></body></html>", subtype="html")
    item = parse_mail(message.as_bytes())
    assert item is not None
    text = item.text.split("\n\n", 1)[1]
    assert text == ("Hello team,\n\nsee my order (https://shop.example/o/1) & this[logo]\n\n"
                    "- one\n- two")
    for dangerous in ("<", "alert", "javascript", "tracker", "color:red"):
        assert dangerous not in item.text
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"


def test_the_quote_below_an_html_answer_is_left_out() -> None:
    html = ("<div>Thanks, it arrived.</div><div class='gmail_quote'><div>On Monday Service "
            "wrote:<br></div><blockquote><div>Your parcel ships.</div>"
            "<blockquote>Where is it?</blockquote></blockquote></div>")
    assert html_to_text(html) == ("Thanks, it arrived.\n\nOn Monday Service wrote:\n\n"
                                  "> Your parcel ships.\n> > Where is it?")
    message = mail(Message_ID="<a6@example.org>", In_Reply_To="<d1@shop.example>")
    message.set_content(html, subtype="html")
    assert parse_mail(message.as_bytes()).text == "Thanks, it arrived."  # type: ignore[union-attr]


def test_text_plain_is_preferred_and_attachments_are_listed() -> None:
    message = mail("The plain text.")
    message.add_alternative("<p>The <i>HTML</i> text.</p>", subtype="html")
    message.add_attachment(b"%PDF-1.4 " + b"x" * 2039, maintype="application",
                           subtype="pdf", filename="invoice 1234.pdf")
    message.add_attachment(b"\x89PNG" + b"y" * 100, maintype="image", subtype="png",
                           filename="photo.png")
    item = parse_mail(message.as_bytes())
    assert item is not None
    assert item.text == ("Order 1234 missing\n\nThe plain text.\n\n"
                         "\N{PAPERCLIP} invoice 1234.pdf (application/pdf, 2 KB)\n"
                         "\N{PAPERCLIP} photo.png (image/png, 104 B)")
    assert item.raw["attachments"] == [
        {"name": "invoice 1234.pdf", "content_type": "application/pdf", "size": 2048},
        {"name": "photo.png", "content_type": "image/png", "size": 104},
    ]


def test_odd_mails_still_make_items() -> None:
    raw = (b"From: someone\r\nSubject: =?unknown-8bit?q?Hall=F6?=\r\n"
           b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nHall\xf6\r\n")
    item = parse_mail(raw)
    assert item is not None
    assert item.author_id == "unknown@invalid"
    assert "Hall" in item.text
    # Without a Message-ID the id comes from the content: reading it again gives the same.
    assert item.external_id == parse_mail(raw).external_id  # type: ignore[union-attr]
    assert item.external_id.endswith("@tandem.invalid>")


def test_a_reply_is_plain_utf8_with_the_thread_headers() -> None:
    answered = answered_from_headers(
        b"Subject: Re: Order 1234 missing\r\nReferences: <a1@example.org> <d2@shop.example>"
        b"\r\nIn-Reply-To: <d2@shop.example>\r\n\r\n")
    assert answered == Answered("Re: Order 1234 missing", ["<a1@example.org>",
                                                            "<d2@shop.example>"])
    reply = reply_mail(sender=Address("Shop Service", addr_spec="service@shop.example"),
                       recipient="anna@example.org", text="Grüße, it ships today.",
                       message_id="<m@shop.example>", in_reply_to="<a3@example.org>",
                       root="<a1@example.org>", answered=answered)
    assert reply["Subject"] == "Re: Order 1234 missing"
    assert reply["In-Reply-To"] == "<a3@example.org>"
    assert reply["References"].split() == ["<a1@example.org>", "<d2@shop.example>",
                                           "<a3@example.org>"]
    assert reply.get_content_type() == "text/plain"
    assert reply.get_content_charset() == "utf-8"
    assert reply.get_content() == "Grüße, it ships today.\n"
    first = reply_mail(sender=Address("S", addr_spec="service@shop.example"),
                       recipient="anna@example.org", text="Hi", message_id="<n@shop.example>",
                       in_reply_to="<a1@example.org>", root="<a1@example.org>",
                       answered=Answered("Order 1234 missing", []))
    assert first["Subject"] == "Re: Order 1234 missing"
    assert first["References"] == "<a1@example.org>"


GOOD = {"account_id": "service@shop.example", "imap_host": "imap.shop.example",
        "imap_port": "993", "imap_security": "ssl", "smtp_host": "smtp.shop.example",
        "smtp_port": "587", "smtp_security": "starttls", "password": "pw"}


@pytest.mark.parametrize(("change", "complaint"), [
    ({"account_id": "service"}, "e-mail address"),
    ({"imap_host": "imap shop"}, "IMAP server's host name"),
    ({"smtp_port": "70000"}, "SMTP port must be a number"),
    ({"imap_security": "tls"}, "IMAP security must be ssl, starttls or none"),
    ({"smtp_security": "none"}, "SMTP connection must be encrypted"),
    ({"mailbox": "Posteingang «neu»"}, "plain ASCII characters"),
    ({"mailbox": 'Say "hi"'}, "without quotes"),
    ({"imap_port": "９９３"}, "IMAP port must be a number"),
])
def test_settings_are_checked_when_connecting(change: dict[str, str], complaint: str) -> None:
    adapter = EmailAdapter()
    adapter.check_fields(GOOD)
    adapter.check_fields({**GOOD, "imap_host": "127.0.0.1", "imap_security": "none",
                          "smtp_host": "localhost", "smtp_security": "none"})
    with pytest.raises(InvalidSetting) as refused:
        adapter.check_fields({**GOOD, **change})
    assert complaint in refused.value.text()
    assert refused.value.field in {*GOOD, *change}
