"""The bench's listening section: rules matched at the rate, the same as regexes would."""

from __future__ import annotations

import random

from bench import listening
from bench.report import listening as render
from channels.simulator import Simulator
from server.listening.matcher import RuleMatcher


def test_the_matcher_finds_what_a_regex_per_rule_finds() -> None:
    rng = random.Random(5)
    posts = [i.item.text for i in (Simulator("crisis", seed=5).next() for _ in range(300))]
    rules = listening.make_rules(rng, listening._vocabulary(posts), 200)
    matcher, regexes = RuleMatcher(rules), listening._regex_loop(rules)
    compared = 0
    for text in posts:
        network, language = rng.choice(listening.NETWORKS), rng.choice(("de", "en", None))
        assert matcher.matching(text, network, language) == regexes(text, network, language)
        compared += 1
    assert compared == len(posts)


def test_the_section_reports_cpu_per_post() -> None:
    figures = listening.run(0.2, lambda _message: None)
    assert figures["rules"] == 500 and figures["posts"] == 200
    assert figures["cpu_us_per_post"]["mean"] > 0 and figures["matched_posts"] > 0
    assert "CPU per post" in render(figures)
