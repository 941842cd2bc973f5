"""`python -m bench`: run the sections, print the table, write bench/results/latest.json."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import (
    claims,
    fanout,
    incidents,
    infra,
    ingest,
    listening,
    page,
    reading,
    report,
    sla,
)
from bench.options import Options, parse


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def sections(options: Options, work: Path) -> dict[str, Callable[[], dict[str, Any]]]:
    sizes = options.sizes
    pg_workers = [("postgres", w) for w in sizes.workers]
    desks = [("sqlite", 1)] if "sqlite" in sizes.backends else []
    if "postgres" in sizes.backends:
        desks += pg_workers
    configs = ([fanout.Config("floor", 1)] if options.floor else []) + [
        fanout.Config(name, workers) for name, workers in desks
    ]
    ingest_backends = [(name, [1] if name == "sqlite" else sizes.workers)
                       for name in sizes.backends]
    # Claims: the embedded default, and production's shape (the most PostgreSQL workers).
    claim_configs = [d for d in desks if d[0] == "sqlite"]
    if "postgres" in sizes.backends:
        claim_configs.append(("postgres", max(sizes.workers)))
    return {
        "fanout": lambda: fanout.run(configs, sizes.cells, sizes.seconds, work,
                                     options.coalesce_ms, log),
        "ingest": lambda: ingest.run(ingest_backends, sizes.ingest_sizes, sizes.ingest_webhooks,
                                     options.ingest_concurrency, sizes.ingest_seconds, work, log),
        "claims": lambda: claims.run(claim_configs, sizes.claimers, sizes.claim_threads,
                                     sizes.claim_rounds, sizes.claim_rate, sizes.claim_load[0],
                                     sizes.claim_load[1], options.load_nice, work, log),
        "page": lambda: page.run(sizes.page_threads, options.page_rate, sizes.page_seconds,
                                 work, log),
        "reading": lambda: reading.run(sizes.reading_passes, log),
        "listening": lambda: listening.run(sizes.listening_seconds, log),
        "sla": lambda: sla.run(sizes.backends, sizes.sla_threads, sizes.sla_seconds, work, log),
        "incidents": lambda: incidents.run(sizes.incident_warm, log),
    }


def _stop(signum: int, _frame: Any) -> None:
    # Unwind like Ctrl-C, so servers stop, client processes close and databases are dropped.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop)
    options = parse(argv)
    if options.show:
        print(report.render(json.loads(options.show.read_text())), end="")
        return 0
    began = time.monotonic()
    result: dict[str, Any] = {"meta": {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "preset": "quick" if options.quick else "full",
        "machine": infra.machine(), "load_start": _load(), "sections": options.sections,
        "argv": sys.argv[1:] if argv is None else argv,
    }}
    failed = False
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as scratch:
        work = options.work or Path(scratch)
        log(f"bench: working in {work}; load average {_load()} on {os.cpu_count()} CPUs")
        runners = sections(options, work)
        for name in options.sections:
            log(f"== {name}")
            started = time.monotonic()
            try:
                result[name] = runners[name]()
            except Exception as exc:
                failed = True
                traceback.print_exc()
                result[name] = {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}
            result[name]["section_seconds"] = round(time.monotonic() - started, 1)
            result[name]["load_after"] = _load()
    result["meta"].update(seconds=round(time.monotonic() - began, 1), load_end=_load())
    text = report.render(result)
    print(text)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    result["table"] = text
    options.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"bench: figures written to {options.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
