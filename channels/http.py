"""What network adapters share: their packed secrets, an HTTP client, the API's address,
a memory of sends.

A network channel keeps its secrets as one JSON object sealed with the desk's key (the
`secret` of its ChannelAccount): access_token, app_secret and verify_token (Meta),
access_token and consumer_secret (X), and account_id, the account the channel speaks as.
"""

from __future__ import annotations

import ipaddress
import json
from collections import OrderedDict
from collections.abc import Mapping

import httpx

from channels.base import SendResult, TemporaryError

TIMEOUT = httpx.Timeout(20.0, connect=5.0)
REMEMBERED = 2000


def pack_secrets(values: Mapping[str, str]) -> str:
    """A network channel's secrets as one string to seal (the connect form's secret fields,
    which the adapter names, plus the account id)."""
    return json.dumps({k: v for k, v in values.items() if v})


def unpack_secrets(plain: str) -> dict[str, str]:
    """The secrets of a network channel; a plain string (the generic webhook) is `secret`."""
    try:
        values = json.loads(plain)
    except ValueError:
        return {"secret": plain}
    if not isinstance(values, dict):
        return {"secret": plain}
    return {str(k): v for k, v in values.items() if isinstance(v, str)}


def client() -> httpx.AsyncClient:
    """One short-lived client per send: adapters keep no connections between calls."""
    return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                             headers={"User-Agent": "Tandem-Desk/1"})


async def post_json(url: str, token: str, body: dict) -> httpx.Response:
    """POST with a bearer token; a network that cannot be reached is a temporary error."""
    try:
        async with client() as http:
            return await http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
    except httpx.TimeoutException:
        raise TemporaryError("the network did not answer in time") from None
    except httpx.HTTPError as exc:
        raise TemporaryError(f"could not reach the network ({exc.__class__.__name__})") from None


def answer_json(response: httpx.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine (localhost or a loopback address), the one place a
    network may be spoken to unencrypted (a test's server)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkApi:
    """An adapter speaking to its network's HTTP API at `base_url`: `default_url` unless the
    desk's settings name another (a test's fake network; see channels/registry.py)."""

    default_url: str

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = self.default_url if base_url is None else base_url
        self._sent = SentMemory()


class SentMemory:
    """What this process already published, by idempotency key.

    Networks without idempotency keys of their own (Graph, X) would post a retried send
    twice; the outbox guards that across processes, this guards a retry within one.
    """

    def __init__(self) -> None:
        self._sent: OrderedDict[str, SendResult] = OrderedDict()

    def get(self, key: str) -> SendResult | None:
        return self._sent.get(key)

    def keep(self, key: str, result: SendResult) -> SendResult:
        self._sent[key] = result
        while len(self._sent) > REMEMBERED:
            self._sent.popitem(last=False)
        return result
