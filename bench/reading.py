"""The reading section: how well and how cheaply the desk reads inbound posts.

Scores the labelled set (bench/data/sentiment_labelled.jsonl, see bench/data/README.md) with
`read_message`, the call ingest makes per inbound message: accuracy of the label and of the
language per language and half, macro-F1 over the three labels, and the CPU time per post.
Runs in this process; it needs no server or database.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.reading import LABELS, read_message, warm_up

DATA = Path(__file__).parent / "data" / "sentiment_labelled.jsonl"
RATE = 100  # posts per second: the bench rate


def _f1(pairs: list[tuple[str, str]], label: str) -> float:
    """F1 of one label over (truth, reading) pairs."""
    hits = sum(1 for truth, read in pairs if truth == read == label)
    said = sum(1 for _, read in pairs if read == label)
    true = sum(1 for truth, _ in pairs if truth == label)
    if not hits:
        return 0.0
    precision, recall = hits / said, hits / true
    return 2 * precision * recall / (precision + recall)


def _scores(posts: list[dict[str, Any]]) -> dict[str, Any]:
    pairs = [(p["label"], p["reading"].label) for p in posts]
    f1 = {label: round(_f1(pairs, label), 3) for label in LABELS}
    return {
        "posts": len(posts),
        "accuracy": round(sum(t == r for t, r in pairs) / len(pairs), 3),
        "language_accuracy": round(
            sum(p["language"] == p["reading"].language for p in posts) / len(posts), 3),
        "f1": f1,
        "macro_f1": round(statistics.fmean(f1.values()), 3),
    }


def run(passes: int, log: Callable[[str], None]) -> dict[str, Any]:
    posts = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    started = time.process_time()
    warm_up()
    warm_ms = (time.process_time() - started) * 1000
    for post in posts:
        post["reading"] = read_message(post["text"])
    groups: dict[str, Any] = {}
    for half in ("tune", "held_out", "all"):
        for language in ("de", "en", "both"):
            chosen = [p for p in posts if half in ("all", p["half"])
                      and language in ("both", p["language"])]
            groups[f"{half}/{language}"] = _scores(chosen)
    log(f"reading: {len(posts)} posts scored; timing {passes} passes")
    texts = [p["text"] for p in posts]
    per_post: list[float] = []
    for _ in range(passes):
        for text in texts:
            began = time.process_time_ns()
            read_message(text)
            per_post.append((time.process_time_ns() - began) / 1000)
    mean_us = statistics.fmean(per_post)
    cuts = statistics.quantiles(per_post, n=100)
    return {
        "groups": groups,
        "cpu_us_per_post": {"mean": round(mean_us, 1), "p50": round(cuts[49], 1),
                            "p99": round(cuts[98], 1)},
        "core_share_at_rate": round(mean_us * RATE / 1e6, 4),
        "rate": RATE,
        "warm_up_ms": round(warm_ms, 1),
        "timed_posts": len(per_post),
    }
