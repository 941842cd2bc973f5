"""A real IMAP server for the e-mail tests: Debian's Dovecot, run by the test itself.

Each server has its own folder (config, passwd file, Maildirs, log), listens on free ports of
127.0.0.1 (plain IMAP with STARTTLS, and IMAPS) with a self-signed certificate for
"localhost", and is stopped with its process. Mail arrives the way a mail server would put
it in a mailbox while a client watches: IMAP APPEND, so an IDLE-ing watcher sees it come.

Without Dovecot (`apt-get install dovecot-imapd`) the tests skip with the reason; with
CI=true they fail, as a missing PostgreSQL does (tests/support/backends.py).
"""

from __future__ import annotations

import datetime
import getpass
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.servers import free_port, stop_process

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def require_dovecot() -> None:
    if Path(DOVECOT).is_file():
        return
    message = "Dovecot is not installed (apt-get install dovecot-imapd)"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1; returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _users() -> dict[str, str]:
    """Who Dovecot's processes run as: its own users as root, else the current user."""
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return {"internal": "dovecot", "login": "dovenull", "uid": str(nobody.pw_uid),
                "gid": str(nobody.pw_gid), "chroot": "login"}
    me = getpass.getuser()
    return {"internal": me, "login": me, "uid": str(os.getuid()), "gid": str(os.getgid()),
            "chroot": ""}


@dataclass
class Mailbox:
    address: str
    password: str


@dataclass
class Dovecot:
    """One Dovecot with the given users; `idle=False` leaves IDLE out of its capabilities."""

    users: list[Mailbox]
    idle: bool = True
    folder: Path = field(init=False)
    port: int = field(init=False)
    ssl_port: int = field(init=False)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        require_dovecot()
        # Not under pytest's tmp_path: its parents are private to root, and the mail
        # processes run as an unprivileged user that must reach the Maildirs.
        self.folder = Path(tempfile.mkdtemp(prefix="tandem-dovecot-"))
        self.folder.chmod(0o755)
        self.port, self.ssl_port = free_port(), free_port()
        self.cert, self.key = make_certificate(self.folder)

    @property
    def ca_file(self) -> str:
        """The certificate to trust (SSL_CERT_FILE) to reach this server over TLS."""
        return str(self.cert)

    def _config(self) -> str:
        who = _users()
        mail = self.folder / "mail"
        mail.mkdir(mode=0o755)
        if os.geteuid() == 0:
            os.chown(mail, int(who["uid"]), int(who["gid"]))
        for user in self.users:
            self._write_user(user)
        capability = "" if self.idle else (
            "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE "
            "SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS "
            "LIST-EXTENDED I18NLEVEL=1 ESEARCH SEARCHRES WITHIN CONTEXT=SEARCH")
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.folder}/dovecot.log
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
default_internal_user = {who["internal"]}
default_internal_group = {grp.getgrgid(pwd.getpwnam(who["internal"]).pw_gid).gr_name}
default_login_user = {who["login"]}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
{capability}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.folder}/users/%u
}}
userdb {{
  driver = static
  args = uid={who["uid"]} gid={who["gid"]} home={mail}/%u
}}
service imap-login {{
  chroot = {who["chroot"]}
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
}}
# No growing wait after failed sign-ins: the tests fail some on purpose.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""

    def _write_user(self, user: Mailbox) -> None:
        # A passwd file per user, looked up by name: users added while it runs sign in.
        folder = self.folder / "users"
        folder.mkdir(mode=0o755, exist_ok=True)
        (folder / user.address).write_text(f"{user.address}:{{PLAIN}}{user.password}\n")

    def add_user(self, user: Mailbox) -> Mailbox:
        self.users.append(user)
        self._write_user(user)
        return user

    def start(self) -> Dovecot:
        conf = self.folder / "dovecot.conf"
        conf.write_text(self._config())
        with (self.folder / "stderr.log").open("wb") as stderr:
            self.process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Dovecot did not start: {self.log()}") from None
                time.sleep(0.05)

    def log(self) -> str:
        parts = [self.folder / "stderr.log", self.folder / "dovecot.log"]
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in parts if p.exists())

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- what a mail server and a person's mail client do ----------------------------------

    def client(self, user: Mailbox) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(user.address, user.password)
        except imaplib.IMAP4.error:
            imap.shutdown()
            raise
        return imap

    def deliver(self, user: Mailbox, message: bytes, mailbox: str = "INBOX") -> None:
        """Put a mail into the mailbox (IMAP APPEND), as a local delivery would."""
        imap = self.client(user)
        try:
            status, answer = imap.append(mailbox, None, None, message)
            assert status == "OK", answer
        finally:
            imap.logout()

    def uidvalidity(self, user: Mailbox, mailbox: str = "INBOX") -> int:
        imap = self.client(user)
        try:
            status, answer = imap.status(mailbox, "(UIDVALIDITY)")
            assert status == "OK", answer
            return int(answer[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))  # type: ignore[union-attr]
        finally:
            imap.logout()

    def recreate(self, user: Mailbox, mailbox: str) -> None:
        """Delete and create a folder again: its UIDVALIDITY changes, its mail is gone."""
        imap = self.client(user)
        try:
            imap.delete(mailbox)
            status, answer = imap.create(mailbox)
            assert status == "OK", answer
        finally:
            imap.logout()
