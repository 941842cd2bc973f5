"""The listening section: matching public posts against the brands' listening rules.

500 rules (words, phrases and hashtags with any/all/none terms, language and network
filters, made from the simulator's vocabulary and the words of its posts) go into the
desk's matcher (server/listening/matcher.py, one Aho-Corasick automaton); the simulator's
posts are matched at 1,000 posts/s, paced in batches of 50 as a listener hands them in.
Printed: CPU per post (mean, p50, p99), the share of a core at that rate, the automaton's
build time, how many posts matched, and, for comparison, the same rules as one regex each.
In-process, no server.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from channels.simulator import Simulator
from server.listening.matcher import RuleMatcher, RuleTerms

RULES = 500
RATE = 1000  # posts per second: the bench rate
BATCH = 50
NETWORKS = ("x", "mastodon", "youtube", "facebook", "instagram")


def _vocabulary(posts: list[str]) -> list[str]:
    words = sorted({w.casefold() for text in posts for w in re.findall(r"[^\W\d_]{4,}", text)})
    return words


def make_rules(rng: random.Random, words: list[str], count: int) -> list[RuleTerms]:
    rules = []
    for rule_id in range(1, count + 1):
        def pick(n: int) -> tuple[str, ...]:
            return tuple(rng.sample(words, n))
        any_terms = pick(rng.randint(1, 4))
        if rng.random() < 0.3:  # a phrase
            any_terms += (" ".join(pick(2)),)
        if rng.random() < 0.3:
            any_terms += (f"#{rng.choice(words)}",)
        rules.append(RuleTerms(
            rule_id, any_terms=any_terms,
            all_terms=pick(1) if rng.random() < 0.2 else (),
            none_terms=pick(rng.randint(0, 2)),
            languages=(rng.choice(("de", "en")),) if rng.random() < 0.3 else (),
            networks=(rng.choice(NETWORKS),) if rng.random() < 0.3 else ()))
    return rules


def _regex_loop(rules: list[RuleTerms]) -> Callable[[str, str, str | None], list[int]]:
    """The way not taken: each rule's terms as regexes, tried rule by rule."""
    compiled = []
    for rule in rules:
        def one(terms: tuple[str, ...]) -> re.Pattern[str] | None:
            if not terms:
                return None
            return re.compile("|".join(rf"(?<!\w){re.escape(t)}(?!\w)" for t in terms), re.I)
        compiled.append((rule, one(rule.any_terms),
                         [one((t,)) for t in rule.all_terms], one(rule.none_terms)))

    def matching(text: str, network: str, language: str | None) -> list[int]:
        found = []
        for rule, wanted, every, excluded in compiled:
            if rule.networks and network not in rule.networks:
                continue
            if rule.languages and language not in rule.languages:
                continue
            if wanted and not wanted.search(text):
                continue
            if not all(p and p.search(text) for p in every):
                continue
            if excluded and excluded.search(text):
                continue
            found.append(rule.rule_id)
        return found
    return matching


def run(seconds: float, log: Callable[[str], None]) -> dict[str, Any]:
    rng = random.Random(18)
    simulator = Simulator("campaign", seed=18)
    posts = [(item.item.text, rng.choice(NETWORKS), rng.choice(("de", "en", None)))
             for item in (simulator.next() for _ in range(5000))]
    rules = make_rules(rng, _vocabulary([p[0] for p in posts]), RULES)
    began = time.process_time()
    matcher = RuleMatcher(rules)
    build_ms = (time.process_time() - began) * 1000
    total = int(RATE * seconds)
    log(f"listening: {len(rules)} rules, {total} posts at {RATE}/s")
    per_post: list[float] = []
    matched = 0
    wall = time.monotonic()
    cpu_start = time.process_time()
    for start in range(0, total, BATCH):
        for i in range(start, min(start + BATCH, total)):
            text, network, language = posts[i % len(posts)]
            t0 = time.process_time_ns()
            if matcher.matching(text, network, language):
                matched += 1
            per_post.append((time.process_time_ns() - t0) / 1000)
        # Pace to the rate: the next batch is due BATCH/RATE seconds after this one.
        due = wall + (start + BATCH) / RATE
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
    cpu_total = time.process_time() - cpu_start
    elapsed = time.monotonic() - wall
    cuts = statistics.quantiles(per_post, n=100)
    regex = _regex_loop(rules)
    sample = posts[:500]
    t0 = time.process_time()
    for text, network, language in sample:
        regex(text, network, language)
    regex_us = (time.process_time() - t0) / len(sample) * 1e6
    return {
        "rules": len(rules), "posts": total, "rate": RATE, "matched_posts": matched,
        "build_ms": round(build_ms, 1),
        "cpu_us_per_post": {"mean": round(statistics.fmean(per_post), 1),
                            "p50": round(cuts[49], 1), "p99": round(cuts[98], 1)},
        "achieved_rate": round(total / elapsed, 1),
        "core_share_at_rate": round(cpu_total / elapsed, 4),
        "regex_loop_us_per_post": round(regex_us, 1),
    }
