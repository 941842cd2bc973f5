"""Sending posts the way a network does: signed webhooks, paced or as fast as accepted."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from channels.webhook import sign

FILLER = (
    "Mein Paket ist seit einer Woche unterwegs und die Sendungsverfolgung zeigt nichts "
    "Neues. Kann mir bitte jemand sagen, wo es steckt? Ich brauche es dringend für Freitag."
)


@dataclass(frozen=True)
class Channel:
    id: int
    secret: str


@dataclass
class Sent:
    """What a sender observed: when each post was sent and accepted (HTTP 200), what failed."""

    accepted: dict[int, float] = field(default_factory=dict)  # post number -> wall time
    # Post number -> wall time its request began (accepted posts only): what the post lives
    # through from the network's side, the sender's own client and the desk's HTTP included.
    started: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds per accepted request
    failures: dict[str, int] = field(default_factory=dict)
    late_starts: int = 0  # requests that began more than 50 ms after their scheduled time
    unsent: int = 0  # posts never sent: the desk accepted too slowly to reach them in time
    first: float = 0.0
    last: float = 0.0

    def fail(self, why: str) -> None:
        self.failures[why] = self.failures.get(why, 0) + 1


def post_text(tag: str, number: int) -> str:
    """The text carries the post's number, so a board can tell which post it received."""
    return f"{tag}:{number} {FILLER}"


def parse_post(tag_prefix: str, text: str) -> int | None:
    if not text.startswith(tag_prefix):
        return None
    head = text[len(tag_prefix):].split(" ", 1)[0]
    return int(head) if head.isdigit() else None


def new_post(tag: str, number: int, thread: str | None = None,
             author: str | None = None) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": f"{tag}-{number}",
        "author": {"id": author or f"{tag}-author-{number}", "name": f"Kundin {number}"},
        "text": post_text(tag, number),
        "visibility": "public",
    }
    if thread:
        raw["thread"] = thread
    return raw


def signed(channel: Channel, payload: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": "application/json",
        "X-Tandem-Timestamp": stamp,
        "X-Tandem-Signature": sign(channel.secret, stamp, body),
    }


def webhook_path(channel: Channel) -> str:
    return f"/webhooks/generic/{channel.id}"


async def _post_one(
    http: httpx.AsyncClient, url: str, channel: Channel | None, payload: Any, number: int,
    sent: Sent,
) -> None:
    if channel is None:  # the floor takes the same body, unsigned, at /post
        body = json.dumps(payload, separators=(",", ":")).encode()
        target, headers = url + "/post", {"Content-Type": "application/json"}
    else:
        body, headers = signed(channel, payload)
        target = url + webhook_path(channel)
    began = time.time()
    try:
        response = await http.post(target, content=body, headers=headers)
    except httpx.HTTPError as exc:
        sent.fail(type(exc).__name__)
        return
    done = time.time()
    if response.status_code != 200:
        sent.fail(f"HTTP {response.status_code}")
        return
    sent.accepted[number] = done
    sent.started[number] = began
    sent.latencies.append(done - began)


async def paced(
    urls: list[str], channel: Channel | None, tag: str, rate: float, seconds: float,
    *, in_flight: int = 64, grace: float = 3.0,
) -> Sent:
    """Open loop: post number n is due at start + n/rate, whether or not earlier ones returned.

    At most `in_flight` requests wait at once; posts still unsent `grace` seconds after the
    window closes are given up (counted in `unsent`), so an overloaded desk ends a cell too.
    """
    total = max(1, round(rate * seconds))
    sent = Sent()
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def one(n: int) -> None:
            try:
                await _post_one(http, urls[n % len(urls)], channel, new_post(tag, n), n, sent)
            finally:
                gate.release()

        tasks = []
        start = time.monotonic()
        deadline = start + total / rate + grace
        sent.first = time.time()
        for n in range(total):
            due = start + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            try:
                await asyncio.wait_for(gate.acquire(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                sent.unsent = total - n
                break
            if time.monotonic() - due > 0.05:
                sent.late_starts += 1
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        sent.last = time.time()
    return sent


async def flood(
    url: str, channel: Channel, tag: str, count: int, concurrency: int,
    pick_thread: Any = None, max_seconds: float = 600,
) -> tuple[Sent, float]:
    """`concurrency` senders post up to `count` single-item webhooks back to back, for at most
    `max_seconds`; returns what they saw and how long it took."""
    sent = Sent()
    numbers = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    deadline = time.monotonic() + max_seconds
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def sender() -> None:
            for n in numbers:
                if time.monotonic() > deadline:
                    return
                thread, author = pick_thread(n) if pick_thread else (None, None)
                await _post_one(http, url, channel, new_post(tag, n, thread, author), n, sent)

        began = time.monotonic()
        sent.first = time.time()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        sent.last = time.time()
    return sent, time.monotonic() - began


def spread_threads(existing: int, share: float, seed: int = 7) -> Any:
    """Half the posts (by default) comment on a random existing thread, the rest open new ones."""
    rng = random.Random(seed)

    def pick(_: int) -> tuple[str | None, str | None]:
        if existing and rng.random() < share:
            n = rng.randrange(existing)
            return f"pf-{n}", f"pfa-{n}"
        return None, None

    return pick


# -- setting a desk up over its REST API ------------------------------------------------


async def make_channel(url: str, admin: dict[str, str], name: str = "Bench webhook") -> Channel:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.post(
            "/api/channels", headers=admin, json={"network": "webhook", "name": name}
        )
        response.raise_for_status()
        data = response.json()
    return Channel(data["id"], data["secret"])


async def make_people(url: str, admin: dict[str, str], count: int, tag: str,
                      role: str = "service agent") -> list[tuple[int, str]]:
    """`count` service accounts (no password, so no argon2 cost; an admin may issue their
    tokens), each with an API token: load generators, not people."""
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:

        async def one(n: int) -> tuple[int, str]:
            async with gate:
                created = await http.post("/api/users", headers=admin, json={
                    "email": f"{tag}-{n}@bench.example.com", "name": f"Agent {tag} {n}",
                    "role": role, "service_account": True,
                })
                created.raise_for_status()
                user_id = int(created.json()["id"])
                token = await http.post(f"/api/users/{user_id}/tokens", headers=admin, json={})
                token.raise_for_status()
                return user_id, str(token.json()["token"])

        return list(await asyncio.gather(*(one(n) for n in range(count))))


async def board_seq(url: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        response = await http.get(
            "/api/threads", headers={"Authorization": f"Bearer {token}"}, params={"limit": 1}
        )
        response.raise_for_status()
        return int(response.json()["seq"])


async def steady(urls: list[str], channel: Channel, tag: str, rate: float,
                 stop: Any, *, in_flight: int = 64) -> int:
    """Background load: R posts/s until `stop` (a multiprocessing Event) is set; returns posts."""
    sent = Sent()
    gate = asyncio.Semaphore(in_flight)
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    tasks: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:

        async def one(n: int) -> None:
            try:
                await _post_one(http, urls[n % len(urls)], channel, new_post(tag, n), n, sent)
            finally:
                gate.release()

        start = time.monotonic()
        n = 0
        while not stop.is_set():
            pause = start + n / rate - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            await gate.acquire()
            task = asyncio.create_task(one(n))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        await asyncio.gather(*tasks)
    return len(sent.accepted)


def steady_process(urls: list[str], channel: Channel, tag: str, rate: float, stop: Any) -> None:
    """Entry point for a load process (multiprocessing, spawn)."""
    asyncio.run(steady(urls, channel, tag, rate, stop))
