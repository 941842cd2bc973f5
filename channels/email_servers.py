"""What the IMAP and the SMTP half of an e-mail channel share: whom they trust for TLS and
how a connection to a mail server that failed is told to people."""

from __future__ import annotations

import ssl

from channels.base import PermanentError, SendError, TemporaryError


def tls_context() -> ssl.SSLContext:
    # The system's trust store; SSL_CERT_FILE points it elsewhere (the tests' own CA).
    return ssl.create_default_context()


def connection_failed(error: OSError, host: str, port: int) -> SendError:
    """The desk's error for a connection that failed: an untrusted certificate or a TLS
    mismatch will fail again (permanent), silence and network trouble may pass."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return PermanentError(f"The certificate of the mail server {host} is not trusted "
                              f"({error.verify_message}).")
    if isinstance(error, ssl.SSLError):
        return PermanentError(f"A secure connection to the mail server {host} failed "
                              f"({error.reason}): check the port and the security setting.")
    if isinstance(error, TimeoutError):
        return TemporaryError(f"The mail server {host} did not answer in time.")
    return TemporaryError(f"Could not reach the mail server {host}:{port} "
                          f"({error.strerror or error.__class__.__name__}).")
