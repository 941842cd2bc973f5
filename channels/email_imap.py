"""A small IMAP4rev1 client over asyncio streams (RFC 3501, IDLE from RFC 2177).

Only what the e-mail channel needs: sign in, select a mailbox, list and fetch new mail by
UID, look a mail up by its Message-ID, and wait with IDLE. Errors come out as the desk's
TemporaryError (try again later) or PermanentError (the settings are wrong), with words an
admin can act on.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import ssl
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from channels.base import PermanentError, TemporaryError
from channels.email_servers import connection_failed, tls_context

COMMAND_SECONDS = 60.0
LINE_LIMIT = 1 << 20
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
# Where a literal stood in a response's text; the literal itself is kept apart.
PLACE = b"\x00"
ATOM_SAFE = re.compile(r"^[\x20-\x7e]*$")


@dataclass(frozen=True)
class Response:
    text: bytes
    literals: list[bytes]


@dataclass(frozen=True)
class Selected:
    uidvalidity: int


class Refused(Exception):
    """The server answered NO or BAD."""

    def __init__(self, status: str, text: str) -> None:
        super().__init__(f"{status} {text}")
        self.status = status
        self.text = text


def quoted(value: str, what: str = "A search") -> str:
    """An IMAP quoted string; `what` names the value in the error if it cannot be one."""
    if not ATOM_SAFE.match(value):
        raise PermanentError(f"{what} may only use plain ASCII characters with this mail "
                             f"server.")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 host: str) -> None:
        self._reader = reader
        self._writer = writer
        self._host = host
        self._tag = 0
        # A command (or IDLE) is under way: its answer has not been read to the end.
        self._pending = False
        self.capabilities: set[str] = set()
        # The server said "* n EXISTS" since the last look for new mail: a mail may have come
        # after that look, which an IDLE begun now would not announce again.
        self.news = False

    @classmethod
    async def connect(cls, host: str, port: int, security: str) -> ImapClient:
        """Connect, read the greeting and, for "starttls", switch to TLS before anything else."""
        try:
            async with asyncio.timeout(COMMAND_SECONDS):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls_context() if security == "ssl" else None,
                    server_hostname=host if security == "ssl" else None, limit=LINE_LIMIT)
                client = cls(reader, writer, host)
                greeting = await client._read()
                if not greeting.text.startswith(b"* OK"):
                    raise TemporaryError(f"The mail server {host} is not ready: "
                                         f"{greeting.text.decode(errors='replace')[:200]}")
                if security == "starttls":
                    await client._start_tls()
                return client
        except OSError as error:  # TLS and timeouts too
            raise connection_failed(error, host, port) from None

    async def _start_tls(self) -> None:
        await self.refresh_capabilities()
        if "STARTTLS" not in self.capabilities:
            raise PermanentError(f"The mail server {self._host} does not offer STARTTLS; "
                                 f"choose SSL/TLS and its port instead.")
        await self.command("STARTTLS")
        await self._writer.start_tls(tls_context(), server_hostname=self._host)
        # What the server offered before TLS does not count (RFC 3501, 6.2.1).
        self.capabilities = set()

    async def refresh_capabilities(self) -> set[str]:
        found: set[str] = set()
        for response in await self.command("CAPABILITY"):
            if response.text.upper().startswith(b"* CAPABILITY "):
                found |= set(response.text[13:].decode(errors="replace").upper().split())
        self.capabilities = found
        return found

    async def sign_in(self, username: str, password: str) -> None:
        capabilities = self.capabilities or await self.refresh_capabilities()
        try:
            if "AUTH=PLAIN" in capabilities:
                await self._authenticate_plain(username, password)
            elif "LOGINDISABLED" in capabilities:
                raise PermanentError(f"The mail server {self._host} allows no sign-in on an "
                                     f"unencrypted connection: choose STARTTLS or SSL/TLS.")
            else:
                raise PermanentError(f"The mail server {self._host} does not offer the "
                                     f"sign-in the desk uses (AUTHENTICATE PLAIN).")
        except Refused as refused:
            if "[UNAVAILABLE]" in refused.text.upper():
                raise TemporaryError(f"The mail server {self._host} cannot sign in right "
                                     f"now: {refused.text[:200]}") from None
            raise PermanentError(f"The mail server {self._host} refused the user name or "
                                 f"password (IMAP: {refused.text[:200]}).") from None
        await self.refresh_capabilities()

    async def _authenticate_plain(self, username: str, password: str) -> None:
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode()
        tag = self._send("AUTHENTICATE PLAIN")
        async with self._answer():
            await self._flush()
            first = await self._read()
            if first.text.startswith(b"+"):
                self._writer.write(token.encode() + b"\r\n")
                await self._finish(tag, [])
            else:
                await self._finish(tag, [], first)

    async def select(self, mailbox: str, readonly: bool = False) -> Selected:
        try:
            responses = await self.command("EXAMINE" if readonly else "SELECT",
                                           quoted(mailbox, "The mailbox name"))
        except Refused as refused:
            raise PermanentError(f"The mailbox {mailbox} cannot be opened "
                                 f"(IMAP: {refused.text[:200]}).") from None
        uidvalidity = 0
        for response in responses:
            if found := re.search(rb"\[UIDVALIDITY (\d+)\]", response.text):
                uidvalidity = int(found.group(1))
        return Selected(uidvalidity=uidvalidity)

    async def uids_after(self, last_uid: int) -> list[int]:
        """UIDs of the mails after `last_uid`, oldest first."""
        found: list[int] = []
        self.news = False
        for response in await self.command("UID SEARCH UID", f"{last_uid + 1}:*"):
            if response.text.upper().startswith(b"* SEARCH"):
                found += [int(n) for n in response.text[8:].split() if n.isdigit()]
        # "n:*" names the newest mail even when its UID is below n.
        return sorted(uid for uid in set(found) if uid > last_uid)

    async def find(self, header: str, value: str) -> list[int]:
        found: list[int] = []
        for response in await self.command("UID SEARCH HEADER", quoted(header), quoted(value)):
            if response.text.upper().startswith(b"* SEARCH"):
                found += [int(n) for n in response.text[8:].split() if n.isdigit()]
        return sorted(found)

    async def fetch(self, uids: Iterable[int], item: str = "BODY.PEEK[]") -> dict[int, bytes]:
        """The `item` (a body section) of each mail, by UID; mails gone meanwhile are left out."""
        wanted = ",".join(str(uid) for uid in uids)
        found: dict[int, bytes] = {}
        for response in await self.command("UID FETCH", wanted, f"(UID {item})"):
            uid = re.search(rb"UID (\d+)", response.text)
            if uid and response.literals and b" FETCH " in response.text[:40]:
                found[int(uid.group(1))] = response.literals[0]
        return found

    async def idle(self, seconds: float) -> None:
        """Wait until new mail arrives or `seconds` pass (RFC 2177), then end the IDLE."""
        if self.news:
            return  # announced already, while the desk was fetching: look again first
        tag = self._send("IDLE")
        async with self._answer():
            await self._flush()
            started = await self._read()
        if not started.text.startswith(b"+"):
            await self._finish(tag, [], started)
            return
        try:
            async with asyncio.timeout(seconds):
                while True:
                    response = await self._read()
                    if response.text.startswith(tag + b" "):
                        self._pending = False  # the server ended the IDLE itself
                        return
                    if re.match(rb"\* \d+ EXISTS", response.text):
                        break
        except TimeoutError:
            pass
        self._writer.write(b"DONE\r\n")
        async with self._answer():
            await self._finish(tag, [])

    async def close(self) -> None:
        """Log out politely if the server still listens; never raises. After an interrupted
        command (a cancelled IDLE) the connection is just closed."""
        if not self._pending:
            try:
                async with asyncio.timeout(5):
                    await self.command("LOGOUT")
            except (Refused, OSError, TimeoutError, TemporaryError):
                pass
        self._writer.close()
        try:
            async with asyncio.timeout(5):
                await self._writer.wait_closed()
        except (OSError, TimeoutError, ssl.SSLError):
            pass

    # -- the wire ------------------------------------------------------------------------

    async def command(self, *words: str) -> list[Response]:
        """Send a command; returns its untagged responses, or raises Refused on NO/BAD."""
        tag = self._send(" ".join(words))
        async with self._answer():
            return await self._finish(tag, [])

    def _send(self, line: str) -> bytes:
        self._tag += 1
        self._pending = True
        tag = f"T{self._tag}".encode()
        self._writer.write(tag + b" " + line.encode() + b"\r\n")
        return tag

    async def _finish(self, tag: bytes, untagged: list[Response],
                      first: Response | None = None) -> list[Response]:
        await self._flush()
        response = first or await self._read()
        while not response.text.startswith(tag + b" "):
            if response.text.startswith(b"* BYE"):
                raise TemporaryError(f"The mail server {self._host} closed the connection: "
                                     f"{response.text[6:].decode(errors='replace')[:200]}")
            if re.match(rb"\* \d+ EXISTS", response.text):
                self.news = True
            untagged.append(response)
            response = await self._read()
        self._pending = False
        status, _, text = response.text[len(tag) + 1:].partition(b" ")
        if status.upper() != b"OK":
            raise Refused(status.decode(errors="replace"), text.decode(errors="replace"))
        return untagged

    @contextlib.asynccontextmanager
    async def _answer(self) -> AsyncIterator[None]:
        """The server must answer within COMMAND_SECONDS; a silent one is a temporary error."""
        try:
            async with asyncio.timeout(COMMAND_SECONDS):
                yield
        except TimeoutError:
            raise TemporaryError(f"The mail server {self._host} did not answer in time."
                                 ) from None

    async def _flush(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError):
            raise TemporaryError(f"The mail server {self._host} closed the connection.") from None

    async def _read(self) -> Response:
        """One response, literals and all: `* 1 FETCH (UID 7 BODY[] {120}` + 120 bytes + `)`."""
        text, literals = bytearray(), list[bytes]()
        try:
            while True:
                line = await self._reader.readline()
                if not line.endswith(b"\n"):
                    raise asyncio.IncompleteReadError(line, None)
                literal = LITERAL.search(line)
                if literal is None:
                    text += line.rstrip(b"\r\n")
                    return Response(bytes(text), literals)
                text += line[:literal.start()] + PLACE
                literals.append(await self._reader.readexactly(int(literal.group(1))))
        except (asyncio.IncompleteReadError, ConnectionError):
            raise TemporaryError(f"The mail server {self._host} closed the connection.") from None
        except ValueError:  # a line beyond LINE_LIMIT
            raise TemporaryError(f"The mail server {self._host} sent a response too long "
                                 f"to read.") from None
