"""Random tokens, stored only as their hash."""

import hashlib
import secrets


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough to keep them safe at rest.
    return hashlib.sha256(token.encode()).hexdigest()
