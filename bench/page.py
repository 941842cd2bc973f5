"""The page: the board in Chromium with many open threads while posts arrive.

For each size the harness prefills a fresh SQLite desk with that many open threads (bulk
INSERT), starts the browser driver (bench/browser.py) in a subprocess, and once the first
card has rendered sends posts through the signed webhook at the given rate, while the board
pages in the threads its HTML did not embed. It also notes the server's RSS before the board
page was served, after it, and once the board held every thread.

The board is opened as service staff open it: sorted by SLA due (the default for people who
reply) with a filter active (BOARD_PATH). Last, one bulk action resolves BULK_THREADS of its
threads: the time to the command's answer, and until the open board has dropped them all.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench import infra
from bench.prefill import Prefilled, prefill
from bench.sender import make_channel, paced
from bench.stats import kb, mb

BOARD_PATH = "/?visibility=public&sort=due"
BULK_THREADS = 1000


def _line(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    """The next JSON line from the driver (ignoring anything else it prints)."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            return {"stage": "skipped", "reason": "the browser driver exited early"}
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
    return {"stage": "skipped", "reason": "the browser driver did not answer in time"}


def heap(backend: infra.Backend, token: str) -> dict[str, Any]:
    """Python heap per card of one board load, from bench/heap.py in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.heap", backend.database_url, token], cwd=infra.ROOT,
        env={**os.environ, **infra.DESK_SETTINGS}, capture_output=True, text=True,
        timeout=300,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-300:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bulk(driver: subprocess.Popen[str], url: str, admin: dict[str, str], count: int
         ) -> dict[str, Any]:
    """Resolve `count` open threads with one bulk command while the board is open."""
    ids: list[int] = []
    with httpx.Client(base_url=url, headers=admin, timeout=120) as http:
        while len(ids) < count:
            params: dict[str, Any] = {"limit": min(500, count - len(ids))}
            if ids:
                params["before"] = ids[-1]
            page = http.get("/api/threads", params=params).json()["threads"]
            if not page:
                break
            ids += [card["id"] for card in page]
        assert driver.stdin is not None
        driver.stdin.write(f"bulk {len(ids)}\n")  # the board starts watching its count
        driver.stdin.flush()
        began = time.perf_counter()
        answer = http.post("/api/bulk/status", json={"thread_ids": ids, "status": "resolved"})
        answered_ms = (time.perf_counter() - began) * 1000
    seen = _line(driver, 90)
    return {"threads": len(ids), "status": answer.status_code,
            "changed": len(answer.json().get("changed", [])) if answer.is_success else 0,
            "answer_ms": round(answered_ms, 1), "board": seen}


def run_size(threads: int, rate: float, seconds: float, folder: Path,
             backend_name: str) -> dict[str, Any]:
    backend = infra.make_backend(backend_name, folder / "db")
    try:
        token = infra.prepare(backend)
        desk = infra.start_desk(backend, 1, folder / "logs", token)
        try:
            url = desk.urls[0]
            channel = asyncio.run(make_channel(url, desk.admin))
            prefill(backend.database_url, channel.id, Prefilled(), threads, per_thread=1,
                    status="open")
            time.sleep(0.5)
            rss_before = infra.rss_bytes(desk.pids)
            config = {"url": url, "email": infra.ADMIN_EMAIL, "password": infra.ADMIN_PASSWORD,
                      "path": BOARD_PATH}
            driver = subprocess.Popen(
                [sys.executable, "-m", "bench.browser", json.dumps(config)], cwd=infra.ROOT,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                loaded = _line(driver, 120)
                rss_after = infra.rss_bytes(desk.pids)
                result: dict[str, Any] = {"threads": threads, "backend": backend.label,
                                          "server_rss_before_mb": mb(rss_before),
                                          "server_rss_after_board_mb": mb(rss_after)}
                if loaded["stage"] != "loaded":
                    result.update(skipped=True, reason=loaded.get("reason"))
                    return result
                result["load"] = loaded
                tag = f"pg{secrets.token_hex(2)}"
                with infra.Usage(desk.pids) as server:
                    sent = asyncio.run(paced([url], channel, tag, rate, seconds))
                assert driver.stdin is not None
                driver.stdin.write(tag + "\n")
                driver.stdin.flush()
                done = _line(driver, 60)
                result.update(
                    skipped=done["stage"] != "done", posts_per_s=rate, seconds=seconds,
                    posts_accepted=len(sent.accepted), server_cpu_percent=round(server.cpu_percent),
                    while_posting=done,
                )
                if done["stage"] != "done":
                    result["reason"] = done.get("reason")
                else:
                    # The board holds every open thread only once its pages are in.
                    rss_all = infra.rss_bytes(desk.pids)
                    shown = done.get("cards_on_board") or threads
                    result["server_rss_after_all_cards_mb"] = mb(rss_all)
                    result["server_rss_kb_per_thread_shown"] = kb((rss_all - rss_before) / shown)
                    result["bulk"] = bulk(driver, url, desk.admin, min(BULK_THREADS, threads))
                result["python_heap"] = heap(backend, token)
                return result
            finally:
                if driver.poll() is None:
                    driver.kill()
                driver.wait()
        finally:
            desk.stop()
    finally:
        backend.drop()


def run(sizes: list[int], rate: float, seconds: float, folder: Path, log: Any,
        backend_name: str = "sqlite") -> dict[str, Any]:
    results = []
    for threads in sizes:
        result = run_size(threads, rate, seconds, folder, backend_name)
        results.append(result)
        if result.get("skipped"):
            log(f"  page with {threads} threads: skipped ({result.get('reason')})")
            break  # a page without cards has none at any size
        load, posting = result["load"], result["while_posting"]
        log(f"  page with {threads} threads: first card at {load['first_card_ms']:.0f} ms, "
            f"all {posting['cards_on_board']} cards at {posting['all_cards_ms']:.0f} ms, "
            f"long tasks while posting: {posting['longtasks']}")
        done = result.get("bulk")
        if done:
            log(f"  bulk resolve of {done['threads']} threads: answered in "
                f"{done['answer_ms']:.0f} ms, board updated at "
                f"{done['board'].get('board_updated_ms')} ms, long tasks "
                f"{done['board'].get('longtasks')}")
    skipped = [r for r in results if r.get("skipped")]
    return {"sizes": sizes, "posts_per_s": rate, "seconds": seconds, "runs": results,
            "skipped": bool(skipped), "reason": skipped[0].get("reason") if skipped else None}
