"""E-mail: one mailbox read over IMAP (IDLE, else polling), replies sent over SMTP.

Every mail is private: a conversation is a thread keyed by its root Message-ID
(channels/email_payload.py). The watcher's cursor is the mailbox's UIDVALIDITY and the last
UID handed to the desk; mails are stored by Message-ID, so reading one twice (a reconnect, a
new UIDVALIDITY) stores it once. A reply's Message-ID is made from the outbox's idempotency
key: every attempt of one reply is the same mail, recognisable as such.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from typing import Any

from channels import email_smtp
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    InboundItem,
    Intake,
    PermanentError,
    SendResult,
    TakesNoWebhooks,
    TemporaryError,
    ThreadRef,
)
from channels.email_imap import ImapClient, Refused
from channels.email_payload import (
    Answered,
    answered_from_headers,
    desk_message_id,
    parse_mail,
    reply_mail,
)
from channels.email_smtp import SmtpServer
from channels.errors import InvalidSetting
from channels.http import SentMemory, is_loopback, unpack_secrets

log = logging.getLogger("tandem.channels.email")

SECURITIES = ("ssl", "starttls", "none")
ADDRESS = re.compile(r"^[^@\s<>\"]+@[A-Za-z0-9.-]+$")
HOST = re.compile(r"^[A-Za-z0-9.:-]{1,253}$")
# Printable ASCII without quotes and backslashes: IMAP folder names the desk can quote.
MAILBOX = re.compile(r"^[ !#-\[\]-~]{1,200}$")
# IMAP servers may end an IDLE after 30 minutes (RFC 2177): renew well before.
IDLE_SECONDS = 25 * 60
POLL_SECONDS = 60.0
BATCH = 10
# A mailbox read afresh (a new channel, or a new UIDVALIDITY) starts with its newest mails.
FRESH_READ = 50


@dataclass(frozen=True)
class MailSettings:
    """One channel's mailbox, as the admin connected it."""

    address: str
    imap_host: str
    imap_port: int
    imap_security: str
    smtp: SmtpServer
    username: str
    password: str
    mailbox: str

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


def problem(values: Mapping[str, str]) -> InvalidSetting | None:
    """What is wrong with a mailbox's settings, or None."""
    if not ADDRESS.match(values.get("account_id", "")):
        return InvalidSetting("account_id",
                              N_("Enter the channel's e-mail address, like service@example.com."))
    for side in ("imap", "smtp"):
        what = side.upper()
        host = values.get(f"{side}_host", "")
        if not HOST.match(host):
            return InvalidSetting(side + "_host", N_("Enter the %(what)s server's host name."),
                                  what=what)
        port = values.get(f"{side}_port", "")
        if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
            return InvalidSetting(side + "_port",
                                  N_("The %(what)s port must be a number from 1 to 65535."),
                                  what=what)
        security = values.get(f"{side}_security", "")
        if security not in SECURITIES:
            return InvalidSetting(side + "_security",
                                  N_("The %(what)s security must be ssl, starttls or none."),
                                  what=what)
        if security == "none" and not is_loopback(host):
            return InvalidSetting(
                side + "_security",
                N_("The %(what)s connection must be encrypted (ssl or starttls); none is "
                   "allowed only on this machine (localhost)."), what=what)
    if not MAILBOX.match(values.get("mailbox") or "INBOX"):
        return InvalidSetting(
            "mailbox",
            N_("The mailbox name may only use plain ASCII characters, without quotes."))
    return None


def mail_settings(account: ChannelAccount) -> MailSettings:
    secrets = unpack_secrets(account.secret)
    values = {str(k): str(v) for k, v in account.config.items()}
    values["account_id"] = account.external_account_id or secrets.get("account_id", "")
    wrong = problem(values)
    if wrong:
        raise PermanentError(wrong.text() + " Reconnect the channel with corrected settings.")
    password = secrets.get("password", "")
    if not password:
        raise PermanentError("The channel has no mail password; reconnect it.")
    address = values["account_id"]
    username = values.get("username") or address
    return MailSettings(
        address=address, imap_host=values["imap_host"], imap_port=int(values["imap_port"]),
        imap_security=values["imap_security"],
        smtp=SmtpServer(host=values["smtp_host"], port=int(values["smtp_port"]),
                        security=values["smtp_security"], username=username,
                        password=password),
        username=username, password=password, mailbox=values.get("mailbox") or "INBOX",
    )


async def signed_in(mail: MailSettings) -> ImapClient:
    client = await ImapClient.connect(mail.imap_host, mail.imap_port, mail.imap_security)
    try:
        await client.sign_in(mail.username, mail.password)
    except BaseException:
        await client.close()
        raise
    return client


class EmailAdapter(TakesNoWebhooks):
    network = "email"
    label = "E-mail"
    account_label = N_("E-mail address")
    no_webhooks = "E-mail channels are read over IMAP; they take no webhooks."
    connect_fields = (
        ConnectField("imap_host", N_("IMAP server"), secret=False),
        ConnectField("imap_port", N_("IMAP port (993 for ssl, 143 for starttls)"), secret=False),
        ConnectField("imap_security", N_("IMAP security: ssl, starttls or none"), secret=False),
        ConnectField("smtp_host", N_("SMTP server"), secret=False),
        ConnectField("smtp_port", N_("SMTP port (465 for ssl, 587 for starttls)"), secret=False),
        ConnectField("smtp_security", N_("SMTP security: ssl, starttls or none"), secret=False),
        ConnectField("username", N_("User name (empty: the e-mail address)"), secret=False,
                     required=False),
        ConnectField("password", N_("Password")),
        ConnectField("mailbox", N_("Mailbox (empty: INBOX)"), secret=False, required=False),
    )
    capabilities = Capabilities(
        public_reply=False, private_reply_to_public=False, direct_messages=True,
    )

    def __init__(self, poll_seconds: float = POLL_SECONDS,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.poll_seconds = poll_seconds
        self.idle_seconds = idle_seconds
        self._sent = SentMemory()

    def check_fields(self, values: dict[str, str]) -> None:
        wrong = problem(values)
        if wrong:
            raise wrong

    async def connected(self, account: ChannelAccount, webhook_url: str) -> None:
        """Sign in to both servers now, so a wrong setting shows while connecting."""
        mail = mail_settings(account)
        client = await signed_in(mail)
        try:
            await client.select(mail.mailbox, readonly=True)
        finally:
            await client.close()
        await email_smtp.check(mail.smtp)

    # -- inbound -------------------------------------------------------------------------

    async def watch(self, account: ChannelAccount, cursor: Mapping[str, Any],
                    intake: Intake) -> None:
        mail = mail_settings(account)
        client = await signed_in(mail)
        try:
            await self._follow(client, mail, cursor, intake)
        except Refused as refused:
            raise TemporaryError(f"The mail server {mail.imap_host} refused a command "
                                 f"(IMAP: {refused.text[:200]}).") from None
        finally:
            await client.close()

    async def _follow(self, client: ImapClient, mail: MailSettings, cursor: Mapping[str, Any],
                      intake: Intake) -> None:
        selected = await client.select(mail.mailbox)
        last_uid = int(cursor.get("last_uid") or 0)
        fresh = cursor.get("uidvalidity") != selected.uidvalidity
        if fresh and cursor:
            log.warning("mailbox %s of %s has a new UIDVALIDITY; reading it again",
                        mail.mailbox, mail.address)
        idle = "IDLE" in client.capabilities
        await intake.report({"mailbox": mail.mailbox,
                             "waiting": "IDLE" if idle else f"polling {self.poll_seconds:g}s"})
        while True:
            last_uid = await self._catch_up(client, intake, selected.uidvalidity,
                                            0 if fresh else last_uid, fresh)
            fresh = False
            if idle:
                await client.idle(self.idle_seconds)
            else:
                await asyncio.sleep(self.poll_seconds)

    async def _catch_up(self, client: ImapClient, intake: Intake, uidvalidity: int,
                        last_uid: int, fresh: bool) -> int:
        """Hand every mail after `last_uid` to the desk, a batch at a time; returns the last UID."""
        uids = await client.uids_after(last_uid)
        if fresh:
            uids = uids[-FRESH_READ:]
        for start in range(0, len(uids), BATCH):
            batch = uids[start:start + BATCH]
            bodies = await client.fetch(batch)
            items: list[InboundItem] = []
            for uid in batch:
                if uid not in bodies:
                    continue  # expunged meanwhile
                try:
                    item = parse_mail(bodies[uid], uid)
                except Exception:
                    # One unreadable mail must not stop the mailbox: it stays for a mail client.
                    log.exception("could not read mail UID %s", uid)
                    continue
                if item is not None:
                    items.append(item)
            last_uid = batch[-1]
            await intake.deliver(items, {"uidvalidity": uidvalidity, "last_uid": last_uid})
        return last_uid

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        raise PermanentError("E-mail has no public replies: every mail is a private message.")

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        if known := self._sent.get(idempotency_key):
            return known
        mail = mail_settings(account)
        recipient = thread_ref.recipient_id or ""
        if not ADDRESS.match(recipient):
            raise PermanentError("This conversation has no e-mail address to answer.")
        root = thread_ref.thread_key
        answered = await self._answered(mail, thread_ref.in_reply_to, root)
        message_id = desk_message_id(idempotency_key, root, mail.domain)
        message = reply_mail(
            sender=Address(account.name, addr_spec=mail.address), recipient=recipient,
            text=text, message_id=message_id, in_reply_to=thread_ref.in_reply_to, root=root,
            answered=answered)
        await email_smtp.send(mail.smtp, message, mail.address, recipient)
        return self._sent.keep(idempotency_key, SendResult(
            external_id=message_id, raw={"subject": str(message["Subject"])}))

    async def _answered(self, mail: MailSettings, answered_id: str | None,
                        root: str) -> Answered | None:
        """The subject and references of the mail being answered, read from the mailbox;
        if that mail is gone, the conversation's first mail still gives the subject."""
        client = await signed_in(mail)
        try:
            await client.select(mail.mailbox, readonly=True)
            if answered_id and (headers := await _headers(client, answered_id)):
                return answered_from_headers(headers)
            if headers := await _headers(client, root):
                return Answered(answered_from_headers(headers).subject, [root])
            return None
        except Refused as refused:
            raise TemporaryError(f"The mail server {mail.imap_host} refused a command "
                                 f"(IMAP: {refused.text[:200]}).") from None
        finally:
            await client.close()


async def _headers(client: ImapClient, message_id: str) -> bytes | None:
    """The threading headers of the newest mail with this Message-ID in the mailbox."""
    found = await client.find("Message-ID", message_id)
    if not found:
        return None
    headers = await client.fetch(found[-1:],
                                 "BODY.PEEK[HEADER.FIELDS (SUBJECT REFERENCES IN-REPLY-TO)]")
    return headers.get(found[-1])
