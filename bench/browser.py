"""The board page in a real Chromium, driven by Playwright's sync API in its own process.

`python -m bench.browser '<json>'` with url, email, password. It signs in, opens the board
and prints one JSON line when the first card has rendered ({"stage": "loaded", ...}); the
harness then sends posts and writes their tag on stdin; the script answers with a second
line ({"stage": "done", ...}) holding the long tasks and frame stalls seen meanwhile, and when
the board had paged in every open thread (the page embeds only the first screenful). If the
page shows no cards, the first line says {"stage": "skipped", "reason": ...}.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CARD = "#cards [role=option]"

# Injected before any page script: long tasks, the first card, and gaps between frames.
OBSERVE = """
window.__bench = {longtasks: [], firstCard: null, allCards: null, gaps: [], lastFrame: null};
try {
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      window.__bench.longtasks.push({start: e.startTime, duration: e.duration});
    }
  }).observe({type: "longtask", buffered: true});
} catch (e) { window.__bench.noLongtask = String(e); }
const __seeCard = () => {
  if (window.__bench.firstCard === null && document.querySelector("#cards [role=option]")) {
    window.__bench.firstCard = performance.now();
  }
};
new MutationObserver(__seeCard).observe(document, {childList: true, subtree: true});
const __frame = t => {
  const b = window.__bench;
  if (b.lastFrame !== null && t - b.lastFrame > 50) {
    b.gaps.push({start: b.lastFrame, gap: t - b.lastFrame});
  }
  b.lastFrame = t;
  // The board shows #loading from its first render until the last page has arrived.
  const loading = document.getElementById("loading");
  if (b.allCards === null && b.firstCard !== null && loading && loading.hidden) {
    b.allCards = performance.now();
  }
  requestAnimationFrame(__frame);
};
requestAnimationFrame(__frame);
"""


def emit(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)


def summary(entries: list[dict[str, float]], key: str, since: float,
            until: float | None = None) -> dict[str, Any]:
    picked = [e[key] for e in entries
              if e["start"] >= since and (until is None or e["start"] < until)]
    return {
        "count": len(picked),
        "over_100ms": sum(1 for d in picked if d > 100),
        "max_ms": round(max(picked), 1) if picked else 0,
        "total_ms": round(sum(picked), 1),
    }


TOTAL = """() => Number((/ of (\\d+)$/.exec(
  document.getElementById("count").textContent) || [])[1]) || 0"""


def watch_bulk(page: Any, count: int) -> dict[str, Any]:
    """From now until the board's total has dropped by `count` threads (resolved in bulk)."""
    before = page.evaluate(TOTAL)
    mark = page.evaluate("() => performance.now()")
    began = time.perf_counter()
    page.wait_for_function(f"() => ({TOTAL})() <= {before - count}", timeout=90000,
                           polling=50)
    updated_ms = (time.perf_counter() - began) * 1000
    tasks = page.evaluate("() => window.__bench.longtasks")
    return {"stage": "bulk", "board_updated_ms": round(updated_ms, 1),
            "cards_before": before, "cards_after": page.evaluate(TOTAL),
            "longtasks": summary(tasks, "duration", mark)}


def run(config: dict[str, Any]) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url = config["url"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(url + "/login")
            page.fill("input[name=email]", config["email"])
            page.fill("input[name=password]", config["password"])
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
            if "/login" in page.url:
                emit({"stage": "skipped", "reason": "could not sign in to the board"})
                return
            page.close()

            page = context.new_page()
            page.add_init_script(OBSERVE)
            scripts: dict[str, int] = {}
            page.on("response", lambda r: scripts.__setitem__(r.url.rsplit("/", 1)[-1], r.status)
                    if r.url.endswith(".js") else None)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)[:200]))
            began = time.perf_counter()
            page.goto(url + config.get("path", "/"), wait_until="domcontentloaded", timeout=60000)
            try:
                page.wait_for_selector(CARD, timeout=config.get("card_timeout_ms", 20000))
            except PlaywrightError:
                status = scripts.get("board.js")
                reason = (f"board.js answered HTTP {status}" if status not in (None, 200)
                          else "no card (#cards [role=option]) rendered within "
                               f"{config.get('card_timeout_ms', 20000) // 1000} s")
                if errors:
                    reason += f"; page errors: {errors[:2]}"
                emit({"stage": "skipped", "reason": reason})
                return
            wall_ms = (time.perf_counter() - began) * 1000
            page.wait_for_load_state("load")
            loaded = page.evaluate("""() => {
              const nav = performance.getEntriesByType("navigation")[0] || {};
              let threads = null;
              try {
                const data = document.getElementById("board-data").textContent;
                threads = JSON.parse(data).threads.length;
              } catch (e) {}
              return {
                first_card_ms: window.__bench.firstCard,
                response_end_ms: nav.responseEnd,
                dom_content_loaded_ms: nav.domContentLoadedEventEnd,
                html_bytes: nav.transferSize || nav.encodedBodySize || null,
                threads_in_board_data: threads,
                cards_in_dom: document.querySelectorAll("#cards [role=option]").length,
                js_heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null,
                longtasks: window.__bench.longtasks, no_longtask: window.__bench.noLongtask || null,
                mark: performance.now(),
              };
            }""")
            mark = loaded.pop("mark")
            during_load = summary(loaded.pop("longtasks"), "duration", 0)
            emit({"stage": "loaded", "wall_to_first_card_ms": round(wall_ms, 1),
                  "longtasks_during_load": during_load, "page_errors": errors[:3], **loaded})
            tag = sys.stdin.readline().strip()  # the harness has sent its posts, tagged so
            page.wait_for_timeout(1000)
            page.wait_for_function("() => window.__bench.allCards !== null", timeout=60000)
            after = page.evaluate("""tag => ({
              rows_with_new_posts: [...document.querySelectorAll("#cards [role=option]")]
                .filter(row => row.textContent.includes(tag + ":")).length,
              longtasks: window.__bench.longtasks, gaps: window.__bench.gaps,
              cards_in_dom: document.querySelectorAll("#cards [role=option]").length,
              cards_on_board: Number((/ of (\\d+)$/.exec(
                document.getElementById("count").textContent) || [])[1]) || null,
              all_cards_ms: window.__bench.allCards,
              js_heap_mb: performance.memory ? performance.memory.usedJSHeapSize / 1048576 : null,
            })""", tag)
            emit({"stage": "done",
                  "longtasks": summary(after["longtasks"], "duration", mark),
                  # The part of them that began while the board was still paging threads in.
                  "longtasks_while_paging": summary(after["longtasks"], "duration", mark,
                                                    after["all_cards_ms"]),
                  "frame_gaps": summary(after["gaps"], "gap", mark),
                  "cards_in_dom": after["cards_in_dom"], "js_heap_mb": after["js_heap_mb"],
                  "cards_on_board": after["cards_on_board"],
                  "all_cards_ms": after["all_cards_ms"] and round(after["all_cards_ms"], 1),
                  "rows_showing_new_posts": after["rows_with_new_posts"],
                  "page_errors": errors[:3]})
            command = sys.stdin.readline().split()  # "bulk N": N threads leave the board
            if command and command[0] == "bulk":
                emit(watch_bulk(page, int(command[1])))
        finally:
            browser.close()


if __name__ == "__main__":
    try:
        run(json.loads(sys.argv[1]))
    except Exception as exc:  # the harness reports it instead of a figure
        emit({"stage": "skipped", "reason": f"{type(exc).__name__}: {str(exc)[:300]}"})
