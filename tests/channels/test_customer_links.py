"""Suggested merges from what the networks and the customers say, on real desks: an e-mail
address written in a public comment and the address a mail came from, a WhatsApp number
written in a public comment, and Meta's private reply naming the customer's Messenger id."""

from __future__ import annotations

import asyncio
import secrets
from email.message import EmailMessage
from typing import Any

from tests.channels.test_email_desk import connect_email
from tests.channels.test_whatsapp import WhatsAppDesk, cloud, desk  # noqa: F401  (fixtures)
from tests.customers.desk import suggestions
from tests.fakes.desk import NetworkDesk, eventually, find_thread
from tests.replies.desk import until
from tests.support.desk_api import DeskApi, Person, item
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.mail import SmtpRecorder
from tests.support.servers import DeskServer


def reasons_for(api: DeskApi, person: Person, customer_id: int, other: int
                ) -> dict[str, Any] | None:
    found = [s for s in suggestions(api, person, customer_id) if s["customer_id"] == other]
    return found[0] if found else None


async def test_an_address_in_a_comment_and_a_mail_from_it_are_suggested(
    server: DeskServer, api: DeskApi, dovecot: Dovecot, mailbox: Mailbox, smtp: SmtpRecorder
) -> None:
    agent = api.person()
    marker = secrets.token_hex(4)
    address = f"jana.{marker}@example.org"
    page = api.webhook_channel("Shop page")
    api.ingest(page, item(f"Nobody answers! Write to me: {address.upper()} ({marker})",
                          author={"id": f"fb-{marker}", "name": "Jana"}))
    commenter = api.thread_by_text(agent, marker)["customer_id"]
    connect_email(api, dovecot, mailbox, smtp)
    mail = EmailMessage()
    mail["From"] = f"J. Lindqvist <{address}>"
    mail["To"] = mailbox.address
    mail["Subject"] = f"My order {marker}"
    mail["Message-ID"] = f"<{marker}@example.org>"
    mail.set_content("As promised on your page, here is my order number.")

    await asyncio.to_thread(dovecot.deliver, mailbox, mail.as_bytes())

    card = await until(lambda: find_thread(api, agent, "here is my order number"),
                       "the mail on the board", timeout=30)
    writer = card["customer_id"]
    assert writer != commenter
    found = reasons_for(api, agent, commenter, writer)
    assert found is not None
    assert found["reasons"][0] == {"reason": "same_email", "confidence": 0.9,
                                   "value": address}
    assert reasons_for(api, agent, writer, commenter) is not None  # and the other way round


def test_a_whatsapp_number_written_in_a_public_comment_is_suggested_surely(
    desk: WhatsAppDesk,  # noqa: F811
) -> None:
    number = desk.cloud.number()
    channel = desk.connect(number)
    lena = desk.cloud.customer("Lena Roth")
    desk.customer_writes(channel, number, lena, "Hallo, hier ist Lena")
    agent = desk.api.person()
    chat = desk.api.thread_by_text(agent, "hier ist Lena")["customer_id"]
    page = desk.api.webhook_channel("Shop page")
    written = f"+{lena.wa_id[:2]} {lena.wa_id[2:5]} {lena.wa_id[5:]}"
    desk.api.ingest(page, item(f"Ruft mich an: {written}", author={"id": "fb-lr", "name": "L."}))

    commenter = desk.api.thread_by_text(agent, "Ruft mich an")["customer_id"]

    found = reasons_for(desk.api, agent, commenter, chat)
    assert found is not None and found["confidence"] == 0.95
    assert found["reasons"][0]["reason"] == "whatsapp_number"


async def test_metas_private_reply_naming_the_messenger_id_links_them_surely(
    network_desk: NetworkDesk,
) -> None:
    fake, api = network_desk.meta, network_desk.api
    page = fake.account("facebook")
    channel = network_desk.meta_channel(page)
    agent = api.person()
    ida = fake.customer("Ida Sommer")
    network_desk.post_meta(channel, fake.message_webhook(page, ida, "Eine Frage per Chat"),
                           page.app_secret)
    chat = await eventually(lambda: find_thread(api, agent, "Eine Frage per Chat"),
                            what="the chat")
    comment = fake.comment(page, ida, "Und hier öffentlich nachgefragt")
    network_desk.post_meta(channel, fake.comment_webhook(comment), page.app_secret)
    public = await eventually(lambda: find_thread(api, agent, "öffentlich nachgefragt"),
                              what="the comment")
    assert public["customer_id"] != chat["customer_id"]

    taken = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                     json={"text": "Wir schreiben Ihnen privat."})
    assert taken.status_code == 200, taken.text

    def linked() -> dict[str, Any] | None:
        found = reasons_for(api, agent, public["customer_id"], chat["customer_id"])
        return found if found and found["reasons"][0]["reason"] == "network_link" else None

    found = await eventually(linked, what="the network's link suggested")
    assert found["confidence"] == 0.99
