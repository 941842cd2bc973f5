"""The benchmark harness runs end to end at a small size (it measures; it asserts no speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.backends import backend_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if backend_name() != "sqlite":
        pytest.skip("the harness's smoke run uses SQLite; it runs in the sqlite pass")
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "latest.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--backends", "sqlite", "--out", str(out),
         "--work", str(folder / "work")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "FAN-OUT" in done.stdout and "INGEST" in done.stdout
    return json.loads(out.read_text())


def test_every_section_reports_figures(figures: dict) -> None:
    assert {"meta", "fanout", "ingest", "claims", "page"} <= figures.keys()
    assert figures["meta"]["machine"]["cpus"] >= 1
    for section in ("fanout", "ingest", "claims", "page"):
        assert "error" not in figures[section], figures[section]


def test_fanout_loses_no_post_on_the_desk_or_the_floor(figures: dict) -> None:
    cells = figures["fanout"]["cells"]
    assert {c["target"] for c in cells} == {"floor", "sqlite"}
    for cell in cells:
        assert cell["boards"] == 20
        assert cell["posts_accepted"] == cell["posts_planned"]
        assert cell["lost"] == 0, cell
        assert cell["latency_ms"]["p99"] is not None
        # Timed from the request's start too, and split at the server's time on each post.
        assert cell["latency_from_start_ms"]["p99"] is not None
        assert cell["breakdown_ms"]["posts"] == cell["posts_accepted"]
    desk = next(c for c in cells if c["target"] == "sqlite")
    assert "ratio_to_floor" in desk
    assert figures["fanout"]["memory_per_board"]


def test_ingest_persists_what_it_accepts(figures: dict) -> None:
    rounds = figures["ingest"]["rounds"]
    assert rounds and rounds[0]["messages_before"] >= 2000
    for done in rounds:
        assert done["accepted"] > 0
        assert done["persisted"] == done["accepted"]


def test_ingest_runs_with_routing_off_and_on(figures: dict) -> None:
    assert {done["routing"] for done in figures["ingest"]["rounds"]} == {False, True}


def test_the_sla_timer_announces_the_clocks_that_come_due(figures: dict) -> None:
    for done in figures["sla"]["rounds"]:
        assert done["open_threads"] > 0
        assert done["warnings"] == done["breaches"] > 0


def test_claims_have_exactly_one_holder(figures: dict) -> None:
    for run in figures["claims"]["runs"]:
        assert run["correct"], run
        for phase in ("idle", "under_load"):
            one = run[phase]["one_thread"]
            assert one["answers"].get("ok") == one["rounds"]
            assert run[phase]["spread"]["refused"] == {}


def test_the_page_is_measured_or_skipped_with_a_reason(figures: dict) -> None:
    page = figures["page"]
    if page["skipped"]:
        assert page["reason"]
    else:
        run = page["runs"][0]
        assert run["load"]["first_card_ms"] is not None
        assert "longtasks" in run["while_posting"]
