"""A real SMTP server for the e-mail tests (aiosmtpd, in a thread of the test process).

It signs people in (AUTH PLAIN/LOGIN against its own users), records every mail it accepts,
and answers with a planned refusal when told to: `refuse("451 4.3.0 Try later")` makes the
next recipient (RCPT TO) be refused that way, as a busy or full mail server would.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.servers import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    login: str | None
    mail: EmailMessage


@dataclass
class SmtpRecorder:
    """`tls=(cert, key)` offers STARTTLS and requires it before anything else."""

    users: dict[str, str]
    tls: tuple[Path, Path] | None = None
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    _controller: Controller | None = None

    def start(self) -> SmtpRecorder:
        extra: dict[str, Any] = {}
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.tls))
            extra = {"tls_context": context, "require_starttls": True}
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, authenticator=self._authenticate,
            auth_require_tls=bool(self.tls), **extra)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()

    def refuse(self, *replies: str) -> None:
        """Refuse the next recipients with these replies, one each, in order."""
        self.refusals.extend(replies)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the SMTP server got {len(self.received)} mails, "
                                     f"not {count}")
            time.sleep(0.05)
        return self.received

    # -- aiosmtpd's handler hooks ----------------------------------------------------------

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(login) == password:
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(mail, EmailMessage)
        login = session.auth_data if isinstance(session.auth_data, str) else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), login, mail))
        return "250 Message accepted"
