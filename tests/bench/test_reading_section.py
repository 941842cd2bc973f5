"""The bench's reading section scores the labelled set and times the reading."""

from __future__ import annotations

import json

from bench import reading
from bench.report import reading as render


def test_the_labelled_set_has_both_languages_labels_and_halves() -> None:
    posts = [json.loads(line) for line in reading.DATA.read_text(encoding="utf-8").splitlines()]
    assert len(posts) >= 300
    assert len({p["id"] for p in posts}) == len(posts)
    for language in ("de", "en"):
        mine = [p for p in posts if p["language"] == language]
        assert {p["label"] for p in mine} == {"negative", "neutral", "positive"}
        assert {p["half"] for p in mine} == {"tune", "held_out"}


def test_the_section_reports_accuracy_per_language_and_cpu_per_post() -> None:
    figures = reading.run(1, lambda _message: None)
    for key in ("tune/de", "tune/en", "held_out/de", "held_out/en", "all/both"):
        group = figures["groups"][key]
        assert group["posts"] > 0
        assert 0 <= group["accuracy"] <= 1
        assert set(group["f1"]) == {"negative", "neutral", "positive"}
    assert figures["cpu_us_per_post"]["mean"] > 0
    text = render(figures)
    assert "held_out" in text and "CPU per post" in text
