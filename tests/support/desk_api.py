"""Talking to a test desk over HTTP as its users and its webhook senders do."""

from __future__ import annotations

import itertools
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx

from channels.webhook import sign

_serial = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    password: str
    token: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class WebhookChannel:
    id: int
    secret: str


def item(text: str = "Hallo, mein Paket fehlt", **extra: Any) -> dict[str, Any]:
    """A generic-webhook item with a fresh id and author unless given."""
    n = next(_serial)
    tag = secrets.token_hex(3)
    return {
        "id": f"item-{tag}-{n}",
        "author": {"id": f"author-{tag}-{n}", "name": f"Kundin {n}"},
        "text": text,
        "visibility": "public",
        **extra,
    }


class DeskApi:
    def __init__(self, url: str, admin_token: str) -> None:
        self.url = url
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.http = httpx.Client(base_url=url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def person(self, role: str = "service agent", name: str | None = None,
               language: str | None = None) -> Person:
        n = next(_serial)
        email = f"{role.replace(' ', '-')}-{n}-{secrets.token_hex(3)}@example.com"
        password = "correct horse battery " + secrets.token_hex(4)
        name = name or f"{role.title()} {n}"
        created = self.http.post(
            "/api/users", headers=self.admin,
            json={"email": email, "name": name, "role": role, "password": password,
                  "language": language},
        )
        created.raise_for_status()
        user_id = created.json()["id"]
        token = self.http.post(f"/api/users/{user_id}/tokens", headers=self.admin, json={})
        token.raise_for_status()
        return Person(user_id, email, name, password, token.json()["token"], role)

    def webhook_channel(self, name: str = "Test channel") -> WebhookChannel:
        response = self.http.post(
            "/api/channels", headers=self.admin, json={"network": "webhook", "name": name}
        )
        response.raise_for_status()
        data = response.json()
        return WebhookChannel(data["id"], data["secret"])

    def post_webhook(
        self, channel: WebhookChannel, payload: Any, *, secret: str | None = None,
        timestamp: int | None = None, raw: bytes | None = None,
    ) -> httpx.Response:
        body = raw if raw is not None else json.dumps(payload).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return self.http.post(
            f"/webhooks/generic/{channel.id}", content=body,
            headers={
                "Content-Type": "application/json",
                "X-Tandem-Timestamp": stamp,
                "X-Tandem-Signature": sign(secret or channel.secret, stamp, body),
            },
        )

    def ingest(self, channel: WebhookChannel, *items: dict[str, Any]) -> None:
        response = self.post_webhook(channel, list(items))
        assert response.status_code == 200, response.text

    def threads(self, person: Person, **params: Any) -> dict[str, Any]:
        response = self.http.get("/api/threads", headers=person.headers, params=params)
        response.raise_for_status()
        return response.json()

    def thread_by_text(self, person: Person, text: str) -> dict[str, Any]:
        for card in self.threads(person, q=text, status="all")["threads"]:
            if text in card["excerpt"]:
                return card
        raise AssertionError(f"no thread with {text!r}")

    def call(self, person: Person, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=person.headers, **kwargs)
