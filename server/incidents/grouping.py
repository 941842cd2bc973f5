"""Deciding which incident a new post belongs to: the desk's rule, in memory, per process.

A post joins an open incident when the incident's keywords explain enough of what the post
says: its score is the share of the post's term weight (idf over the recent posts) carried by
terms that are keywords of the incident (terms in at least `KEYWORD_SHARE` of its posts). A
post that joins none is kept in a pool of recent unplaced posts; when it has `SEED_SIZE - 1`
near-duplicates there (Jaccard of terms >= `NEAR`, within `WINDOW`), they open a new incident
together. Everything is bounded: the idf counts cover the last `RECENT` posts, the pool's
index keeps the last `PER_TERM` posts of each term, so the cost of a post does not grow with
the traffic behind it.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

RECENT = 5000  # posts the term weights are counted over (those no incident took)
RARE = 1000  # terms in fewer than one of this many recent posts all weigh the most
PER_TERM = 40  # unplaced posts remembered per term, for seeding
WINDOW = timedelta(minutes=30)  # near-duplicates further apart do not seed an incident
SEED_SIZE = 4  # near-duplicate posts that open an incident
NEAR = 0.5  # Jaccard of terms for two posts to count as near-duplicates
JOIN = 0.5  # share of a post's weight an incident's keywords must carry to take it
MERGE = 0.6  # a post two incidents both explain this well shows they are one
SEED_JOIN = 0.3  # near-duplicates an open incident explains this well join it instead
KEYWORD_SHARE = 0.06  # a term in this share of an incident's posts is one of its keywords
KEYWORDS_KEPT = 60  # an incident's profile keeps its most frequent terms only
MIN_TERMS = 2  # a post with fewer terms ("+1", "Same.") is placed by its thread alone


@dataclass
class Profile:
    """What an incident's posts say: how many posts, how often each term."""

    size: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, terms: Iterable[str], posts: int = 1) -> None:
        self.size += posts
        self.counts.update(terms)

    def keywords(self) -> set[str]:
        least = max(2.0, self.size * KEYWORD_SHARE)
        return {term for term, count in self.counts.items() if count >= least}

    def trimmed(self) -> dict[str, int]:
        return dict(self.counts.most_common(KEYWORDS_KEPT))


@dataclass
class Placement:
    """Where a post went: into `incident_id` with `posts` (itself, and earlier ones it
    brought along), or, with `incident_id` None, into a new incident that `posts` open
    (`adopt` it once it has an id). `merged`: (gone, into) pairs the post showed are one."""

    incident_id: int | None
    posts: list[Post]
    merged: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Post:
    """An inbound message as grouping sees it."""

    key: int  # the message's id
    terms: frozenset[str]
    at: datetime
    thread_id: int
    network: str
    negative: bool
    text: str = ""  # its first words: a new incident's title


class Grouper:
    def __init__(self) -> None:
        self.recent: deque[frozenset[str]] = deque()
        self.document_counts: Counter[str] = Counter()
        self.profiles: dict[int, Profile] = {}
        self._keywords: dict[int, set[str]] = {}
        self.pool: dict[str, deque[Post]] = {}

    # Term weights over the recent posts

    def count(self, terms: frozenset[str]) -> None:
        self.recent.append(terms)
        self.document_counts.update(terms)
        if len(self.recent) > RECENT:
            gone = self.recent.popleft()
            self.document_counts.subtract(gone)
            for term in gone:
                if self.document_counts[term] <= 0:
                    del self.document_counts[term]

    def weight(self, term: str) -> float:
        # Capped: every term rarer than one post in RARE weighs the same, so a term of the
        # current wave (rare in the background) does not outweigh all the others.
        share = (self.document_counts.get(term, 0) + 1) / (len(self.recent) + 1)
        return -math.log(max(share, 1 / RARE)) + 0.1

    # Incidents

    def merge(self, gone: int, into: int) -> None:
        """What `gone` said now counts for `into`."""
        profile = self.profiles.pop(gone, None)
        self._keywords.pop(gone, None)
        if profile is not None and into in self.profiles:
            self.profiles[into].counts.update(profile.counts)
            self.profiles[into].size += profile.size
            self._keywords.pop(into, None)

    def know(self, incident_id: int, profile: Profile) -> None:
        self.profiles[incident_id] = profile
        self._keywords.pop(incident_id, None)

    def forget(self, incident_id: int) -> None:
        self.profiles.pop(incident_id, None)
        self._keywords.pop(incident_id, None)

    def joined(self, incident_id: int, terms: frozenset[str]) -> None:
        profile = self.profiles.setdefault(incident_id, Profile())
        profile.add(terms)
        self._keywords.pop(incident_id, None)

    def keywords(self, incident_id: int) -> set[str]:
        found = self._keywords.get(incident_id)
        if found is None:
            found = self._keywords[incident_id] = self.profiles[incident_id].keywords()
        return found

    def match(self, terms: frozenset[str], least: float = JOIN) -> list[tuple[int, float]]:
        """The open incidents that explain this post well enough, best first, with scores."""
        if len(terms) < MIN_TERMS:
            return []
        weights = {term: self.weight(term) for term in terms}
        found: list[tuple[int, float]] = []
        for incident_id in self.profiles:
            share = self._weighed(weights, incident_id)
            if share >= least:
                found.append((incident_id, share))
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return found

    def sweep(self, incident_id: int, terms: frozenset[str]) -> list[Post]:
        """Post posts in the pool that share a term with `terms` and that the incident
        now explains (posts that came before it had a name); they leave the pool."""
        found: dict[int, Post] = {}
        for term in terms:
            for other in self.pool.get(term, ()):
                if other.key not in found and any(
                        match[0] == incident_id for match in self.match(other.terms)):
                    found[other.key] = other
        self._drop(set(found), {term for other in found.values() for term in other.terms})
        return list(found.values())

    def _drop(self, keys: set[int], terms: set[str]) -> None:
        for term in terms:
            kept = self.pool.get(term)
            if kept is not None:
                self.pool[term] = deque((o for o in kept if o.key not in keys), maxlen=PER_TERM)

    def _weighed(self, weights: dict[str, float], incident_id: int) -> float:
        keywords = self.keywords(incident_id)
        return sum(w for term, w in weights.items() if term in keywords) / sum(weights.values())

    # Placing a post

    def place(self, post: Post, current: int | None) -> Placement | None:
        """Decide for one post; None: it joins no incident (it waits in the pool). `current`:
        the incident of the post's thread, if any."""
        matches = self.match(post.terms)
        placement = Placement(None, [post])
        if current is not None and current in self.profiles:
            # "+1", "still down": the thread says what a post is about. A post that another
            # incident explains too shows the two are one: the smaller one goes.
            chosen = current
            for other, share in matches:
                if other != chosen and share >= MERGE and other in self.profiles:
                    chosen = self._merge_pair(placement, other, chosen)
        elif matches:
            chosen = matches[0][0]
            for other, share in matches[1:]:
                if share >= MERGE:
                    chosen = self._merge_pair(placement, other, chosen)
        else:
            seeded = self.seed(post)
            if not seeded:
                self.count(post.terms)
                return None
            said = frozenset().union(*(p.terms for p in seeded))
            near = self.match(said, SEED_JOIN)
            if not near:
                return Placement(None, seeded)
            chosen = near[0][0]
            placement.posts = [*seeded[:-1], *self.sweep(chosen, said), post]
            for earlier in placement.posts[:-1]:
                self.joined(chosen, earlier.terms)
        self.joined(chosen, post.terms)
        placement.incident_id = chosen
        return placement

    def adopt(self, incident_id: int, seeded: list[Post]) -> list[Post]:
        """A new incident takes the posts that opened it. (Not the pool's other posts: four
        near-duplicates make every one of their terms a keyword, and a sweep then takes in
        too much; an incident that has grown sweeps when near-duplicates join it.)"""
        self.know(incident_id, Profile())
        for post in seeded:
            self.joined(incident_id, post.terms)
        return seeded

    def _merge_pair(self, placement: Placement, one: int, other: int) -> int:
        gone, into = sorted((one, other), key=lambda i: (self.profiles[i].size, -i))
        self.merge(gone, into)
        placement.merged.append((gone, into))
        return into

    # Seeding new incidents

    def seed(self, post: Post) -> list[Post]:
        """The post with its near-duplicates in the pool when they are enough to open an
        incident (then they leave the pool), else an empty list and the post joins the pool."""
        if len(post.terms) < MIN_TERMS:
            return []
        since = post.at - WINDOW
        seen: dict[int, Post] = {}
        for term in post.terms:
            for other in self.pool.get(term, ()):
                if other.at >= since and other.key not in seen:
                    seen[other.key] = other
        near = [other for other in seen.values() if _jaccard(post.terms, other.terms) >= NEAR]
        if len(near) + 1 >= SEED_SIZE:
            self._drop({other.key for other in near},
                       {term for other in near for term in other.terms})
            return [*near, post]
        for term in post.terms:
            self.pool.setdefault(term, deque(maxlen=PER_TERM)).append(post)
        return []


def _jaccard(one: frozenset[str], other: frozenset[str]) -> float:
    return len(one & other) / len(one | other)
