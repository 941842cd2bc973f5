"""The simulator channel: the pure generator, and a real desk that it feeds."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import httpx
import pytest

from channels.simulator import ACCOUNTS, DM_NETWORKS, NETWORKS, SimulatedItem, Simulator, typo
from channels.simulator_texts import CAMPAIGN_TOPICS, CRISIS_TOPICS, NORMAL_TOPICS, Topic
from server.services.simulation import gap
from server.starter_templates import HOLDING
from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

FIXED = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def take(simulator: Simulator, n: int) -> list[SimulatedItem]:
    return list(islice(simulator, n))


def meta(made: SimulatedItem) -> dict[str, str]:
    return made.item.raw["simulator"]


# The pure generator


def test_items_are_valid_and_cover_networks_languages_and_visibilities() -> None:
    made = take(Simulator(seed=1), 3000)
    for one in made:
        item = one.item
        assert item.text.strip() and item.text == item.text.strip()
        assert item.visibility in ("public", "private")
        assert item.author_id.startswith(f"sim-{one.network}-") and item.author_name
        assert item.created_at is not None and item.created_at.tzinfo is not None
        assert (item.author_handle is None) == (one.network == "facebook")
        if item.visibility == "private":
            assert one.network in DM_NETWORKS and item.thread_key is None
    assert set(Counter(m.network for m in made)) == set(NETWORKS) == {"facebook", "instagram", "x",
                                                                     "youtube"}
    languages = Counter(meta(m)["language"] for m in made)
    assert languages["de"] > languages["en"] > 0.1 * len(made)
    visibilities = Counter(m.item.visibility for m in made)
    assert visibilities["private"] > 0.1 * len(made)
    assert visibilities["public"] > visibilities["private"]


def test_public_threads_grow_and_customers_come_back() -> None:
    made = take(Simulator(seed=2), 2000)
    seen: dict[str, set[str]] = {network: set() for network in NETWORKS}
    replies = 0
    for one in made:
        item = one.item
        if item.thread_key:
            # A reply joins a thread that was opened earlier on the same account.
            assert item.thread_key in seen[one.network]
            assert item.reply_to in seen[one.network]
            replies += 1
        seen[one.network].add(item.external_id)
    assert replies > 300
    threads = Counter(m.item.thread_key for m in made if m.item.thread_key)
    assert max(threads.values()) >= 3
    conversations = Counter((m.network, m.item.author_id) for m in made
                            if m.item.visibility == "private")
    assert sum(1 for n in conversations.values() if n >= 3) >= 10
    authors = Counter(m.item.author_name for m in made)
    assert authors.most_common(1)[0][1] >= 10  # the regulars


def test_voices_differ() -> None:
    texts = [m.item.text for m in take(Simulator(seed=3), 3000)]
    assert any(re.search(r"[A-ZÄÖÜ]{4,} [A-ZÄÖÜ]{4,}", t) for t in texts)  # shouting
    assert any(t.endswith(("!!", "!!!", "?!")) for t in texts)
    assert any(ord(t[-1]) > 0x2000 for t in texts)  # an emoji at the end
    assert any(t[0].islower() for t in texts)  # typed in a hurry
    assert any(t.startswith("@HafenlichtHilfe ") for t in texts)
    assert len(set(texts)) > 0.5 * len(texts)


def test_a_crisis_is_a_wave_of_complaints_about_one_topic() -> None:
    simulator = Simulator("crisis", seed=4, crisis="crisis-double-debit")
    made = take(simulator, 1500)
    crisis = [m for m in made if meta(m)["topic"] == "crisis-double-debit"]
    assert len(crisis) > 0.7 * len(made)
    assert {meta(m)["topic"] for m in made if meta(m)["family"] == "crisis"} == {
        "crisis-double-debit"}

    def share(part: list[SimulatedItem]) -> float:
        return sum(meta(m)["family"] == "crisis" for m in part) / len(part)

    assert share(made[-500:]) > share(made[:100]) + 0.2  # it builds up
    assert len({m.item.author_id for m in crisis}) > 300  # many different people
    openers = [m.item.text.lower() for m in crisis if meta(m)["kind"] == "comment"]
    about = re.compile(r"doppelt|zweimal|twice|abbuch|abgebucht|lastschrift|charge|abschlag")
    assert sum(bool(about.search(t)) for t in openers) > 0.8 * len(openers)
    angry = [t for t in (m.item.text for m in crisis) if "!" in t or t.isupper()]
    assert len(angry) > 0.3 * len(crisis)


def test_an_outage_crisis_hits_one_region() -> None:
    simulator = Simulator("crisis", seed=5, crisis="crisis-outage")
    openers = [m.item.text.lower() for m in take(simulator, 1000)
               if meta(m)["topic"] == "crisis-outage" and meta(m)["kind"] == "comment"]
    assert sum(simulator.region.lower() in t for t in openers) > 0.8 * len(openers)


def test_a_campaign_brings_questions_about_the_offer() -> None:
    made = take(Simulator("campaign", seed=6), 1500)
    offer = [m for m in made if meta(m)["family"] == "campaign"]
    assert len(offer) > 0.6 * len(made)
    assert {meta(m)["topic"] for m in offer} == {t.key for t in CAMPAIGN_TOPICS}
    openers = [m.item.text.lower() for m in offer if meta(m)["kind"] == "comment"]
    asking = [t for t in openers if "?" in t]
    assert len(asking) > 0.6 * len(openers)
    about = re.compile(r"preis|price|angebot|offer|bonus|laufzeit|term|verfügbar|availab|link|"
                       r"code|buch|sign|bestell|order|router|29|500|haken|catch")
    assert sum(bool(about.search(t)) for t in openers) > 0.8 * len(openers)


def test_external_ids_are_unique_and_carry_the_run() -> None:
    ids: list[str] = []
    for scenario in ("normal", "crisis", "campaign"):
        for run in ("first", "second"):
            made = take(Simulator(scenario, seed=7, run=run), 4000)  # type: ignore[arg-type]
            assert all(m.item.external_id.startswith(f"sim-{run}-") for m in made)
            ids += [f"{scenario}:{m.item.external_id}" for m in made]
    assert len(ids) == len(set(ids)) == 24000
    # Without a run a seedless simulator picks its own, so two demos do not collide.
    assert Simulator().run != Simulator().run


def test_the_same_seed_gives_the_same_stream() -> None:
    def stream(seed: int) -> list[tuple[str, object, dict]]:
        made = take(Simulator("crisis", seed=seed, clock=lambda: FIXED), 500)
        return [(m.network, m.item, m.item.raw) for m in made]

    assert stream(11) == stream(11)
    assert stream(11) != stream(12)


def test_every_line_fills_in_both_languages() -> None:
    simulator = Simulator(seed=8)
    topics: list[Topic] = [*NORMAL_TOPICS, *CRISIS_TOPICS, *CAMPAIGN_TOPICS]
    for topic in topics:
        for said in (topic.opener, topic.follow_up, topic.chime_in):
            for language, templates in said.items():
                for template in templates:
                    text = simulator.fill(template, language)
                    assert text and "{" not in text and "}" not in text, (topic.key, template)
        assert topic.opener["de"] and topic.opener["en"] and topic.follow_up["de"]


def test_unknown_scenarios_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        Simulator("apocalypse")  # type: ignore[arg-type]


def test_typos_and_gaps() -> None:
    rng = random.Random(9)
    text = "Seit heute Morgen kein Internet"
    slipped = {typo(rng, text) for _ in range(50)}
    assert text not in slipped and all(abs(len(s) - len(text)) <= 1 for s in slipped)
    assert typo(rng, "ok 👍") == "ok 👍"
    gaps = [gap(rng, 4.0) for _ in range(20000)]
    assert 0.22 < sum(gaps) / len(gaps) < 0.28 and max(gaps) <= 5 / 4.0
    assert len({a.network for a in ACCOUNTS}) == 4


# A real desk with the simulator running


def _threads(server: DeskServer, token: str) -> dict:
    response = httpx.get(server.url + "/api/threads", params={"status": "all"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
    return response.json()


def _wait_for_threads(server: DeskServer, token: str, check, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        cards = _threads(server, token)["threads"]
        if check(cards):
            return cards
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; {len(cards)} threads")
        time.sleep(0.2)


SIMULATING = {"TANDEM_SIMULATOR_RATE": "20"}


async def test_the_simulator_feeds_the_board(fresh_backend: Backend, tmp_path: Path) -> None:
    token = prepare(fresh_backend)
    server = DeskServer(fresh_backend.env(), tmp_path / "desk.log", SIMULATING).start()
    board = LiveBoard(server.url, token)
    try:
        assert (await board.connect(since=0))["ok"]
        cards = await asyncio.to_thread(
            _wait_for_threads, server, token,
            lambda cards: {c["network"] for c in cards} == set(NETWORKS)
            and {c["visibility"] for c in cards} == {"public", "private"},
        )
        assert all(c["excerpt"] and c["author"]["name"] for c in cards)
        names = {c["network"]: c["channel_name"] for c in cards}
        assert names == {a.network: a.name for a in ACCOUNTS}
        opened = await board.wait_for(lambda b: b.of_type("thread.opened"), 15, "thread.opened")
        assert opened[0]["payload"]["card"]["network"] in NETWORKS
        await board.wait_for(lambda b: len(b.of_type("message.added")) >= 10, 15, "message.added")
        added = board.of_type("message.added")
        assert all(e["payload"]["message"]["direction"] == "in" for e in added)
        # The demo ships starter templates: holding statements and thanks, in both languages.
        answer = await asyncio.to_thread(httpx.get, f"{server.url}/api/templates",
                                         headers={"Authorization": f"Bearer {token}"})
        found = answer.json()["templates"]
        stored = {(t["name"], t["language"]) for t in found}
        assert {(HOLDING, "en"), (HOLDING, "de"), ("thanks", "de"),
                ("looking-into-it", "en")} <= stored
        assert any(t["holding_statement"] for t in found)
    finally:
        await board.disconnect()
        server.stop()


async def test_a_restarted_demo_reuses_its_channels_and_keeps_going(
    fresh_backend: Backend, tmp_path: Path
) -> None:
    token = prepare(fresh_backend)
    log = tmp_path / "desk.log"
    first = DeskServer(fresh_backend.env(), log, SIMULATING).start()
    try:
        cards = await asyncio.to_thread(
            _wait_for_threads, first, token, lambda cards: len(cards) >= 10
        )
    finally:
        first.stop()
    # A few more may have arrived before it stopped; far more than those must follow.
    before = sum(c["message_count"] for c in cards) + 40
    second = DeskServer(fresh_backend.env(), log,
                        {**SIMULATING, "TANDEM_SIMULATOR_SCENARIO": "crisis"}).start()
    try:
        cards = await asyncio.to_thread(
            _wait_for_threads, second, token,
            lambda cards: sum(c["message_count"] for c in cards) >= before,
        )
    finally:
        second.stop()
    channels: dict[str, set[int]] = {}
    for card in cards:
        channels.setdefault(card["network"], set()).add(card["channel_id"])
    assert all(len(ids) == 1 for ids in channels.values()), channels
    assert "Traceback" not in log.read_text()

