"""The printed table: the same figures as the JSON, with the issue's targets beside them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TARGETS = {
    "fanout": "200 boards, 50 posts/s, PostgreSQL + Redis: p99 <= 200 ms, 0 lost, >= 90% of the "
              "floor's deliveries/s; moonshot: 1,000 boards at 100 posts/s",
    "ingest": ">= 1,000 signed webhooks/s on PostgreSQL, flat from 10k to 1M messages; "
              "routing on at most 10% fewer than off",
    "claims": "p99 <= 20 ms under load (200 boards, 50 posts/s); exactly one holder each",
    "page": "10k threads: first render <= 1 s, no long task > 100 ms while posts arrive",
    "sla": "the timer's CPU under 5% of one core with 100k open threads",
    "reading": "sentiment + language + grouping + KPIs <= 1 ms CPU added per post at 100 "
               "posts/s (this section: sentiment + language); a labelled set of >= 300 posts",
    "listening": "1,000 public posts/s against 500 rules with a multi-pattern matcher: CPU per "
                 "post printed",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w)
                             for v, w in zip(row, widths, strict=True)))
    return "\n".join(out)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").replace("%", "").isdigit()


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _pair(figures: dict[str, Any] | None) -> str:
    """p50 / p99 of a latency, in ms."""
    if not figures or figures.get("p50") is None:
        return "-"
    return f"{_text(figures['p50'])} / {_text(figures['p99'])}"


def fanout(data: dict[str, Any]) -> str:
    rows = []
    ways = []
    for c in data["cells"]:
        lat = c["latency_ms"]
        sent = c.get("latency_from_start_ms") or {}
        lost = str(c["lost"]) if c["drain"] == "complete" else f"{c['lost']} ({c['drain']})"
        rows.append([
            c["config"], c["boards"], c["rate"], c.get("accepted_per_s"), c["deliveries_per_s"],
            _ratio(c.get("ratio_to_floor")), lat["p50"], lat["p95"], lat["p99"],
            sent.get("p50"), sent.get("p99"), lost,
            c.get("board_drops", 0), sum(c["send_failures"].values()) + c.get("posts_unsent", 0),
            c["webhook_ms"]["p99"],
            c["server_cpu_percent"], c.get("server_cpu_wait_percent"),
            c.get("server_cpu_us_per_delivery"), c["server_peak_rss_mb"],
            c["client_cpu_percent"],
        ])
        parts = c.get("breakdown_ms") or {}
        ways.append([
            c["config"], c["boards"], c["rate"], _pair(sent), _pair(lat),
            _pair(c["webhook_ms"]), _pair(parts.get("start_to_stored")),
            _pair(parts.get("stored_to_200")), _pair(parts.get("stored_to_board")),
            c.get("sender_late_starts"),
            c.get("sender_cpu_percent"),
        ])
    memory = [[m["config"], m["boards"], m["connect_seconds"], m["server_rss_mb"],
               m["kb_per_board"], m["kb_per_added_board"]] for m in data["memory_per_board"]]
    return "\n".join([
        f"FAN-OUT  ({data['seconds_per_cell']:g} s of posts per cell, coalescing "
        f"{data['coalesce_ms']} ms, boards spread over {data['client_processes']} client "
        "processes)",
        table(["config", "boards", "posts/s", "taken/s", "deliv/s", "vs floor", "p50 ms",
               "p95 ms", "p99 ms", "send p50", "send p99", "lost", "drops", "not taken",
               "hook p99 ms", "srv CPU%", "srv wait%", "srv us/deliv", "srv MB", "cli CPU%"],
              rows),
        "taken/s: posts the desk accepted per second (not taken: refused, timed out, or "
        "never sent because the desk fell behind); "
        "deliv/s: (post, board) pairs per second (offered = boards x posts/s); lost: pairs "
        "never received; drops: board connections the server dropped (each board reconnects "
        "and resumes); CPU in % of one core; srv wait% = time the server was ready to run but "
        "had no free CPU; cli = all client processes together; p50/p95/p99 ms: from the "
        "webhook's 200 to the board; send p50/p99: from the moment the sender began the "
        "request to the board (what a customer's post lives through)",
        f"target: {TARGETS['fanout']}",
        "",
        "FAN-OUT LATENCY, WHERE IT GOES  (p50 / p99 ms)",
        table(["config", "boards", "posts/s", "send -> board", "200 -> board", "send -> 200",
               "send -> stored", "stored -> 200", "stored -> board", "late starts",
               "sender CPU%"], ways),
        "send: the sender begins the webhook request; stored: the server's time on the "
        "message (created_at: on the desk when the group-commit batch that stores it began, "
        "after HTTP, signature and the wait in the ingest queue; on the floor when its handler "
        "took the post); 200: the sender has the answer; late starts: requests that began "
        "more than 50 ms after their time (the sender fell behind)",
        "",
        "MEMORY PER CONNECTED BOARD  (server RSS after connecting, minus RSS before)",
        table(["config", "boards", "connect s", "RSS MB", "KB/board", "KB/added board"], memory),
    ])


def ingest(data: dict[str, Any]) -> str:
    rows = [[r["backend"], r["workers"], r["messages_before"],
             "on" if r.get("routing") else "off", r["accepted_per_s"],
             r["latency_ms"]["p50"], r["latency_ms"]["p99"], f"{r['persisted']}/{r['accepted']}",
             sum(r["failures"].values()), r["server_cpu_percent"],
             r.get("server_cpu_wait_percent"), r.get("server_cpu_ms_per_webhook"),
             r["sender_cpu_percent"],
             r["prefill_seconds"]] for r in data["rounds"]]
    return "\n".join([
        f"INGEST  ({data['concurrency']} concurrent senders, one item per signed webhook, "
        f"up to {data['webhooks_per_round']} webhooks or {data['max_seconds_per_round']:g} s "
        "per round)",
        table(["backend", "workers", "messages", "routing", "hooks/s", "p50 ms", "p99 ms",
               "persisted", "failed", "srv CPU%", "srv wait%", "srv ms/hook", "sender CPU%",
               "prefill s"],
              rows),
        f"target: {TARGETS['ingest']}",
    ])


def claims(data: dict[str, Any]) -> str:
    rows = []
    for r in data["runs"]:
        for phase in ("idle", "under_load"):
            p = r[phase]
            one, spread = p["one_thread"], p["spread"]
            load = (f"{r['load']['boards']} boards + {r['load']['posts_per_s']:g}/s"
                    if phase == "under_load" else "idle")
            if phase == "under_load" and r["load"].get("nice"):
                load += f" (nice {r['load']['nice']})"
            rows.append([
                r["backend"], r["workers"], load, r["claimers"],
                one["latency_ms"]["p50"], one["latency_ms"]["p99"],
                f"{one['threads_with_exactly_one_holder']}/{one['rounds']}",
                spread.get("offered_per_s"), spread["latency_ms"]["p50"],
                spread["latency_ms"]["p99"], spread["claims_per_s"],
                f"{spread['threads_held_by_their_claimer']}/{spread['threads']}",
                "yes" if p["correct"] else "NO", p["server_cpu_percent"],
                p.get("server_cpu_wait_percent"),
            ])
    return "\n".join([
        "CLAIMS  (Socket.IO `claim`; one thread: every claimer at once, a few times; spread: "
        "one claim per thread at a steady rate; holders checked over REST)",
        table(["backend", "workers", "load", "claimers", "one p50 ms", "one p99 ms",
               "one holder", "spread at/s", "spread p50 ms", "spread p99 ms", "claims/s",
               "right holder",
               "correct", "srv CPU%", "srv wait%"], rows),
        "holders are read over REST while the claimers are still connected; load (nice N): the "
        "background load processes ran at that lower CPU priority (in production the boards "
        "are browsers on other machines)",
        f"target: {TARGETS['claims']}",
    ])


def page(data: dict[str, Any]) -> str:
    lines = [f"PAGE  (Chromium, {data['posts_per_s']:g} posts/s for {data['seconds']:g} s after "
             "the first card)"]
    rows = []
    memory = []
    for r in data["runs"]:
        if r.get("skipped"):
            rows.append([r["threads"], "skipped", r.get("reason", ""), "", "", "", "", "", "",
                         ""])
            continue
        load, after = r["load"], r["while_posting"]
        rows.append([
            r["threads"], load["first_card_ms"], load["response_end_ms"],
            round((load.get("html_bytes") or 0) / 1024), load["threads_in_board_data"],
            f"{after.get('cards_on_board')} at {after.get('all_cards_ms')}",
            load["longtasks_during_load"]["max_ms"],
            f"{after['longtasks']['count']}/{after['longtasks']['over_100ms']}/"
            f"{after['longtasks']['max_ms']}",
            f"{after['frame_gaps']['over_100ms']}/{after['frame_gaps']['max_ms']}",
            after.get("rows_showing_new_posts"),
        ])
        heap = r.get("python_heap") or {}
        memory.append([r["threads"], load["threads_in_board_data"],
                       r.get("server_rss_kb_per_thread_shown"), heap.get("peak_kb_per_card"),
                       heap.get("held_kb_per_card"), heap.get("json_bytes_per_card"),
                       load.get("js_heap_mb")])
    lines.append(table(["threads", "first card ms", "HTML done ms", "HTML KB", "cards in HTML",
                        "all cards at ms", "load: longest task ms",
                        "posting: long tasks n/>100ms/max", "frame gaps >100ms n/max",
                        "rows with new posts"], rows))
    lines.append(f"target: {TARGETS['page']}")
    if data.get("skipped"):
        lines.append(f"skipped: {data.get('reason')}")
    if memory:
        lines += ["", "MEMORY PER OPEN THREAD  (server RSS growth on the first board load; Python "
                  "heap of one board load by tracemalloc; browser JS heap)",
                  table(["threads", "cards in HTML", "RSS KB/card", "heap peak KB/card",
                         "heap held KB/card", "JSON B/card", "JS heap MB"], memory)]
    return "\n".join(lines)


def reading(data: dict[str, Any]) -> str:
    rows = []
    for key, g in data["groups"].items():
        half, language = key.split("/")
        rows.append([half, language, g["posts"], _ratio(g["accuracy"]), _ratio(g["macro_f1"]),
                     *(_ratio(g["f1"][label]) for label in ("negative", "neutral", "positive")),
                     _ratio(g["language_accuracy"])])
    cpu = data["cpu_us_per_post"]
    return "\n".join([
        "READING  (language and sentiment of the labelled set, bench/data/sentiment_labelled.jsonl;"
        " the tuning half's misread posts were looked at while tuning, the held-out half's not)",
        table(["half", "language", "posts", "accuracy", "macro-F1", "F1 neg", "F1 neu", "F1 pos",
               "language ok"], rows),
        f"CPU per post (read_message, {data['timed_posts']:,} reads): mean {cpu['mean']:.0f} us, "
        f"p50 {cpu['p50']:.0f} us, p99 {cpu['p99']:.0f} us; at {data['rate']} posts/s "
        f"{data['core_share_at_rate'] * 100:.1f}% of one core; loading the models and lexicons "
        f"{data['warm_up_ms']:.0f} ms once per process",
        f"target: {TARGETS['reading']}",
    ])


def listening(data: dict[str, Any]) -> str:
    cpu = data["cpu_us_per_post"]
    return "\n".join([
        f"LISTENING  ({data['rules']} rules, {data['posts']:,} simulated posts paced at "
        f"{data['rate']:,}/s, achieved {data['achieved_rate']:,.0f}/s; "
        f"{data['matched_posts']:,} posts matched a rule)",
        f"CPU per post (RuleMatcher.matching): mean {cpu['mean']:.1f} us, p50 {cpu['p50']:.1f} "
        f"us, p99 {cpu['p99']:.1f} us; {data['core_share_at_rate'] * 100:.1f}% of one core at "
        f"the rate; building the automaton {data['build_ms']:.0f} ms; the same rules as a "
        f"loop of regexes: {data['regex_loop_us_per_post']:.0f} us per post",
        f"target: {TARGETS['listening']}",
    ])


def sla(data: dict[str, Any]) -> str:
    rows = [[r["backend"], r["open_threads"], f"{r['cpu_share'] * 100:.1f}", r["warnings"],
             r["breaches"], r["seconds"]] for r in data["rounds"]]
    return "\n".join([
        "SLA TIMER  (fire_due four times a second over open threads with running clocks, a "
        "thousandth coming due during the run; CPU of the timer's process)",
        table(["backend", "open threads", "CPU % of a core", "warnings", "breaches", "s"],
              rows),
        f"target: {TARGETS['sla']}",
    ])


def incidents(data: dict[str, Any]) -> str:
    rows = [[name, q["posts"], q["wave"], _ratio(q["recall"]), _ratio(q["precision"]),
             _ratio(q["pulled_in"]), q["incidents"]] for name, q in data["quality"].items()]
    cost = [[c["warm_posts"], c["timed_posts"], c["mean_us"], c["p50_us"], c["p99_us"],
             c["open_incidents"]] for c in data["cost"]]
    day = data["normal_day"]
    return "\n".join([
        "INCIDENTS  (the grouper of server/incidents/ on the simulator, seed 7, in memory: "
        "the largest incident against the crisis wave)",
        table(["crisis", "posts", "wave", "recall", "precision", "unrelated pulled in",
               "incidents"], rows),
        f"normal day ({day['posts']:,} posts): {day['incidents']} incidents, the largest "
        f"{day['largest']:,} posts",
        table(["recent posts", "timed", "mean us/post", "p50 us", "p99 us", "open incidents"],
              cost),
        "targets: >= 90% of the wave grouped, <= 5% of unrelated posts pulled in; grouping "
        "cost flat against 100k recent posts",
    ])


def header(meta: dict[str, Any]) -> str:
    m = meta["machine"]
    return "\n".join([
        f"Tandem benchmark  {meta['started']}  ({meta['preset']} run, {meta['seconds']:.0f} s)",
        f"machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python "
        f"{m['python']}; load average at start {meta['load_start']}, at end {meta['load_end']}",
        "Servers, client processes, the sender, PostgreSQL and Redis all share these CPUs: "
        "compare client CPU and server CPU to see who limits a figure.",
    ])


def render(result: dict[str, Any]) -> str:
    parts = [header(result["meta"])]
    for name, show in (("fanout", fanout), ("ingest", ingest), ("claims", claims),
                       ("page", page), ("reading", reading), ("listening", listening),
                       ("sla", sla), ("incidents", incidents)):
        section = result.get(name)
        if section is None:
            continue
        if "error" in section:
            parts.append(f"{name.upper()}: failed: {section['error']}")
        else:
            parts.append(show(section))
    return "\n\n".join(parts) + "\n"
