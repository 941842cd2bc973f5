"""Sending a mail over SMTP (stdlib smtplib, in a worker thread) and what its answers mean.

SMTP says in its reply codes whether trying again can help: 4xx is temporary (the outbox
retries later), 5xx is permanent (the message shows why). A mailbox that is full or a mail
that is too large (452, 552) get words an agent understands.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from channels.base import PermanentError, SendError, TemporaryError
from channels.email_servers import connection_failed, tls_context

TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # "ssl", "starttls" or "none" (only for this machine)
    username: str
    password: str


def answer_error(code: int, reply: bytes | str, host: str, recipient: str) -> SendError:
    """The desk's error for an SMTP reply code."""
    said = (reply.decode(errors="replace") if isinstance(reply, bytes) else reply)[:200]
    detail = f"({code} {said})"
    if code in (452, 552):
        words = (f"The mail to {recipient} was refused: the mailbox is full or the mail is "
                 f"too large {detail}.")
        return TemporaryError(words) if code < 500 else PermanentError(words)
    if code in (535, 530, 534):
        return PermanentError(f"The mail server {host} refused the user name or password "
                              f"(SMTP {detail}).")
    if code in (550, 551, 553):
        return PermanentError(f"The mail server refused the recipient {recipient} {detail}.")
    if 400 <= code < 500:
        return TemporaryError(f"The mail server {host} asked to try again later {detail}.")
    return PermanentError(f"The mail server {host} refused the mail {detail}.")


def _open(server: SmtpServer) -> smtplib.SMTP:
    if server.security == "ssl":
        return smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                context=tls_context())
    smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    try:
        if server.security == "starttls":
            smtp.starttls(context=tls_context())
    except BaseException:
        smtp.close()
        raise
    return smtp


def _session(server: SmtpServer, mail: EmailMessage | None, sender: str, recipient: str
             ) -> None:
    """Sign in and send `mail` (or only sign in, to check the settings)."""
    try:
        with _open(server) as smtp:
            smtp.login(server.username, server.password)
            if mail is not None:
                smtp.send_message(mail, from_addr=sender, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as refused:
        code, reply = next(iter(refused.recipients.values()))
        raise answer_error(code, reply, server.host, recipient) from None
    except smtplib.SMTPNotSupportedError:
        raise PermanentError(f"The mail server {server.host} offers no sign-in (AUTH) on "
                             f"this connection; check the security setting.") from None
    except smtplib.SMTPResponseException as error:
        raise answer_error(error.smtp_code, error.smtp_error, server.host, recipient) from None
    except smtplib.SMTPServerDisconnected:
        raise TemporaryError(f"The mail server {server.host} closed the connection.") from None
    except smtplib.SMTPException as error:
        raise PermanentError(f"The mail server {server.host} refused: {error}") from None
    except OSError as error:  # TLS and timeouts too
        raise connection_failed(error, server.host, server.port) from None


async def send(server: SmtpServer, mail: EmailMessage, sender: str, recipient: str) -> None:
    await asyncio.to_thread(_session, server, mail, sender, recipient)


async def check(server: SmtpServer) -> None:
    """Connect and sign in without sending: a wrong password shows when connecting."""
    await asyncio.to_thread(_session, server, None, "", "")
