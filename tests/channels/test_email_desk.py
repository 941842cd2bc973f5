"""E-mail on a real desk: connected on the admin page, read from Dovecot by the watch
service, answered through the outbox to a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import secrets
from email.message import EmailMessage

from tests.channels.conftest import MAILBOX_PASSWORD as PASSWORD
from tests.fakes.desk import find_thread, open_thread
from tests.replies.desk import delivery, submit, until, write_draft
from tests.support.desk_api import DeskApi
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.mail import SmtpRecorder
from tests.support.servers import DeskServer

CONNECTED = re.compile(r'data-connected-channel="(\d+)"')


def connect_email(api: DeskApi, dovecot: Dovecot, mailbox: Mailbox, smtp: SmtpRecorder,
                  password: str = PASSWORD) -> tuple[int, str]:
    """Connect the mailbox on the admin page; returns the channel id and the page."""
    response = api.http.post("/admin/channels/email", headers=api.admin, data={
        "name": f"Mail {mailbox.address}", "account_id": mailbox.address,
        "imap_host": "127.0.0.1", "imap_port": str(dovecot.port), "imap_security": "none",
        "smtp_host": "127.0.0.1", "smtp_port": str(smtp.port), "smtp_security": "none",
        "password": password,
    })
    assert response.status_code == 201, response.text
    found = CONNECTED.search(response.text)
    assert found, response.text
    return int(found.group(1)), response.text


def customer_mail(text: str, message_id: str, attachment: bytes | None = None,
                  **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Anna Müller <anna@example.org>"
    mail["To"] = "service@shop.example"
    mail["Subject"] = headers.pop("Subject", "Order 1234 missing")
    mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    if attachment:
        mail.add_attachment(attachment, maintype="application", subtype="pdf",
                            filename="receipt.pdf")
    return mail.as_bytes()


async def test_a_mail_becomes_a_thread_and_the_reply_goes_out_by_smtp(
    server: DeskServer, api: DeskApi, dovecot: Dovecot, mailbox: Mailbox, smtp: SmtpRecorder
) -> None:
    _, page = connect_email(api, dovecot, mailbox, smtp)
    assert "did not accept the setup" not in page
    agent = api.person()
    marker = secrets.token_hex(4)
    first = customer_mail(f"My parcel {marker} is missing.", f"<{marker}-1@example.org>",
                          attachment=b"%PDF-1.4 receipt")
    await asyncio.to_thread(dovecot.deliver, mailbox, first)
    card = await until(lambda: find_thread(api, agent, marker), "the mail on the board",
                       timeout=30)
    shown = open_thread(api, agent, card["id"])
    assert shown["thread"]["visibility"] == "private"
    assert [m["text"] for m in shown["messages"]] == [
        f"Order 1234 missing\n\nMy parcel {marker} is missing.\n\n"
        "\N{PAPERCLIP} receipt.pdf (application/pdf, 16 B)"]

    # The same mail once more (a sender's retry), then her next mail: stored once each.
    await asyncio.to_thread(dovecot.deliver, mailbox, first)
    second = customer_mail(f"Any news on {marker}?", f"<{marker}-2@example.org>",
                           Subject="Re: Order 1234 missing",
                           In_Reply_To=f"<{marker}-1@example.org>")
    await asyncio.to_thread(dovecot.deliver, mailbox, second)
    await until(lambda: len(open_thread(api, agent, card["id"])["messages"]) >= 2, "her next mail")
    assert [m["text"] for m in open_thread(api, agent, card["id"])["messages"]][1:] == [
        f"Any news on {marker}?"]

    await write_draft(server.url, api, agent, card["id"], "Your parcel ships today. Grüße!")
    answer = submit(api, agent, card["id"])
    assert answer.json()["status"] == "sent", answer.text
    message_id = answer.json()["message_id"]
    sent = await until(
        lambda: delivery(api, agent, card["id"], message_id).get("status") == "sent"
        and delivery(api, agent, card["id"], message_id), "the reply sent", timeout=20)
    [received] = await asyncio.to_thread(smtp.wait_for, 1)
    mail = received.mail
    assert received.recipients == ["anna@example.org"]
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (f"Mail {mailbox.address}",
                                                      mailbox.address)
    assert mail["Subject"] == "Re: Order 1234 missing"
    assert mail["In-Reply-To"] == f"<{marker}-2@example.org>"
    assert mail["References"].split() == [f"<{marker}-1@example.org>",
                                          f"<{marker}-2@example.org>"]
    assert mail["Message-ID"].strip() == sent["external_id"]
    assert mail.get_content().rstrip() == "Your parcel ships today. Grüße!"

    # Her client answers the desk's mail naming only it: the answer joins the thread.
    third = customer_mail(f"Thanks, {marker} arrived.", f"<{marker}-3@example.org>",
                          Subject="Re: Order 1234 missing", In_Reply_To=sent["external_id"])
    await asyncio.to_thread(dovecot.deliver, mailbox, third)
    await until(lambda: len(open_thread(api, agent, card["id"])["messages"]) == 4, "her thanks")
    assert (open_thread(api, agent, card["id"])["messages"][-1]["text"]
            == f"Thanks, {marker} arrived.")


async def test_a_full_mailbox_shows_on_the_message(
    server: DeskServer, api: DeskApi, dovecot: Dovecot, mailbox: Mailbox, smtp: SmtpRecorder
) -> None:
    connect_email(api, dovecot, mailbox, smtp)
    agent = api.person()
    marker = secrets.token_hex(4)
    await asyncio.to_thread(dovecot.deliver, mailbox, customer_mail(
        f"Please send the invoice for {marker}.", f"<{marker}@example.org>"))
    card = await until(lambda: find_thread(api, agent, marker), "the mail", timeout=30)
    smtp.refuse("552 5.2.2 Mailbox full")
    await write_draft(server.url, api, agent, card["id"], "Here is your invoice.")
    answer = submit(api, agent, card["id"])
    message_id = answer.json()["message_id"]
    failed = await until(
        lambda: delivery(api, agent, card["id"], message_id).get("status") == "failed"
        and delivery(api, agent, card["id"], message_id), "the refusal", timeout=20)
    assert failed["error"] == ("The mail to anna@example.org was refused: the mailbox is full "
                               "or the mail is too large (552 5.2.2 Mailbox full).")
    assert smtp.received == []


async def test_a_wrong_password_shows_when_connecting_and_stops_the_channel(
    server: DeskServer, api: DeskApi, dovecot: Dovecot, mailbox: Mailbox, smtp: SmtpRecorder
) -> None:
    channel_id, page = connect_email(api, dovecot, mailbox, smtp, password="wrong")
    assert "refused the user name or password (IMAP: [AUTHENTICATIONFAILED]" in page

    def stopped() -> str | None:
        shown = api.http.get("/admin/channels", headers=api.admin).text
        row = re.search(rf'data-channel-id="{channel_id}" data-watch-state="stopped".*?</tr>',
                        shown, re.S)
        return row.group(0) if row else None

    row = await until(stopped, "the channel stopped", timeout=30)
    assert "refused the user name or password" in row
