"""The incidents section: how well and how cheaply the desk groups near-duplicate posts.

Runs the simulator's crisis scenarios (seed 7) through the grouper the ingest step uses
(server/incidents/grouping.py), in this process with no database: recall and precision of
the largest incident against the simulator's labels, the incidents a normal day opens, and
the CPU per post (terms + decision) after warming the grouper with 1k, 10k and 100k recent
posts, to show the cost does not grow with the traffic behind it. The step's statements
(one SELECT per batch, one INSERT and an UPDATE per incident that grew) are in the ingest
section's figures.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from channels.simulator import Simulator
from server.incidents.grouping import Grouper, Post
from server.incidents.terms import terms_of

SEED = 7
START = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RATE = 100  # posts per second: the bench rate


class _Desk:
    """The grouper with the step's bookkeeping: threads and incident ids, in memory."""

    def __init__(self) -> None:
        self.grouper = Grouper()
        self.thread_incident: dict[tuple[str, str], int] = {}
        self.incident_of: dict[int, int] = {}  # post -> incident
        self.next_id = 1
        self.merged_into: dict[int, int] = {}

    def final(self, incident_id: int) -> int:
        while incident_id in self.merged_into:
            incident_id = self.merged_into[incident_id]
        return incident_id

    def take(self, key: int, network: str, thread: tuple[str, str], text: str,
             at: datetime) -> None:
        post = Post(key, terms_of(text), at, hash(thread), network, False, text[:80])
        placement = self.grouper.place(post, self._current(thread))
        if placement is None:
            return
        for gone, into in placement.merged:
            self.merged_into[gone] = into  # the step's UPDATEs; resolved when read
        incident_id = placement.incident_id
        posts = placement.posts
        if incident_id is None:
            incident_id, self.next_id = self.next_id, self.next_id + 1
            posts = self.grouper.adopt(incident_id, posts)
        for joined in posts:
            self.incident_of[joined.key] = incident_id
        if self._current(thread) is None:
            self.thread_incident[thread] = incident_id

    def _current(self, thread: tuple[str, str]) -> int | None:
        found = self.thread_incident.get(thread)
        return None if found is None else self.final(found)

    def grouped(self) -> dict[int, int]:
        return {key: self.final(incident) for key, incident in self.incident_of.items()}


def _stream(scenario: str, crisis: str | None, rate: float) -> Iterator[tuple[Any, datetime]]:
    moment = {"at": START}
    simulator = Simulator(scenario, seed=SEED, crisis=crisis,  # type: ignore[arg-type]
                          run="bench", clock=lambda: moment["at"])
    n = 0
    while True:
        moment["at"] = START + timedelta(seconds=n / rate)
        yield simulator.next(), moment["at"]
        n += 1


def _thread(made: Any) -> tuple[str, str]:
    item = made.item
    if item.visibility == "private":
        return made.network, item.author_id
    return made.network, item.thread_key or item.external_id


def quality(crisis: str, posts: int) -> dict[str, Any]:
    desk = _Desk()
    wave: dict[int, bool] = {}
    for n, (made, at) in enumerate(_stream("crisis", crisis, 5.0)):
        if n == posts:
            break
        wave[n] = made.item.raw["simulator"]["family"] == "crisis"
        desk.take(n, made.network, _thread(made), made.item.text, at)
    grouped_posts = desk.grouped()
    sizes = Counter(grouped_posts.values())
    largest = sizes.most_common(1)[0][0]
    members = [k for k, i in grouped_posts.items() if i == largest]
    grouped = sum(1 for k in members if wave[k])
    in_wave = sum(wave.values())
    return {"posts": posts, "wave": in_wave, "recall": round(grouped / in_wave, 3),
            "precision": round(grouped / len(members), 3),
            "pulled_in": round((len(members) - grouped) / (posts - in_wave), 3),
            "incidents": len(sizes)}


def normal_day(posts_per_day: int) -> dict[str, Any]:
    desk = _Desk()
    rate = posts_per_day / 86_400
    for n, (made, at) in enumerate(_stream("normal", None, rate)):
        if n == posts_per_day:
            break
        desk.take(n, made.network, _thread(made), made.item.text, at)
    sizes = Counter(desk.grouped().values())
    return {"posts": posts_per_day, "incidents": len(sizes),
            "largest": sizes.most_common(1)[0][1] if sizes else 0}


def cost(warm: int, timed: int) -> dict[str, Any]:
    desk = _Desk()
    normal = _stream("normal", None, RATE)
    for n in range(warm):
        made, at = next(normal)
        desk.take(n, made.network, _thread(made), made.item.text, at)
    per_post: list[float] = []
    for n, (made, at) in enumerate(_stream("crisis", "crisis-outage", RATE)):
        if n == timed:
            break
        began = time.process_time_ns()
        desk.take(warm + n, made.network, _thread(made), made.item.text,
                  at + timedelta(seconds=warm / RATE))
        per_post.append((time.process_time_ns() - began) / 1000)
    cuts = statistics.quantiles(per_post, n=100)
    return {"warm_posts": warm, "timed_posts": timed,
            "mean_us": round(statistics.fmean(per_post), 1), "p50_us": round(cuts[49], 1),
            "p99_us": round(cuts[98], 1), "open_incidents": len(desk.grouper.profiles)}


def run(warm_sizes: list[int], log: Callable[[str], None]) -> dict[str, Any]:
    found: dict[str, Any] = {"quality": {}, "cost": []}
    for crisis in ("crisis-double-debit", "crisis-outage"):
        log(f"incidents: {crisis}")
        found["quality"][crisis] = quality(crisis, 1500)
    log("incidents: a normal day")
    found["normal_day"] = normal_day(20_000)
    for warm in warm_sizes:
        log(f"incidents: cost after {warm} recent posts")
        found["cost"].append(cost(warm, 2000))
    return found
