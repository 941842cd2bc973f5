"""The harness's command line: sections, sizes, and the two presets (full and --quick)."""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bench.infra import ROOT

SECTIONS = ("fanout", "ingest", "claims", "page", "reading", "listening", "sla", "incidents")



@dataclass(frozen=True)
class Sizes:
    cells: list[tuple[int, int]]  # fan-out (boards, posts/s)
    seconds: float  # fan-out: seconds of posting per cell
    backends: list[str]
    workers: list[int]  # desk processes on PostgreSQL + Redis
    ingest_sizes: list[int]
    ingest_webhooks: int
    ingest_seconds: float
    claimers: int
    claim_threads: int
    claim_rounds: int
    claim_rate: float  # spread claims per second
    claim_load: tuple[int, float]  # boards, posts/s
    page_threads: list[int]
    page_seconds: float
    reading_passes: int  # times the labelled set is read for the CPU figure
    sla_threads: int  # open threads with a running clock, for the timer's CPU
    sla_seconds: float
    incident_warm: list[int]  # recent posts the grouper has seen before its cost is timed
    listening_seconds: float = 10.0  # how long posts are matched at 1,000 posts/s


# The default run (about 10-15 minutes on 2 cores). Fan-out runs chosen cells rather than the
# whole grid: low load, the target, growth, the moonshot and overload; --boards/--rates
# give the full grid instead.
FULL = Sizes(
    cells=[(100, 10), (200, 50), (500, 100), (1000, 100), (1000, 200)], seconds=5.0,
    backends=["sqlite", "postgres"], workers=[1, 2],
    ingest_sizes=[10_000, 100_000, 1_000_000], ingest_webhooks=3000, ingest_seconds=10.0,
    claimers=100, claim_threads=1000, claim_rounds=5, claim_rate=50.0, claim_load=(200, 50.0),
    page_threads=[1000, 10_000], page_seconds=5.0, reading_passes=20,
    sla_threads=100_000, sla_seconds=20.0,
    incident_warm=[1000, 10_000, 100_000],
)

QUICK = Sizes(
    cells=[(20, 10)], seconds=3.0, backends=["sqlite"], workers=[1],
    ingest_sizes=[2000], ingest_webhooks=300, ingest_seconds=5.0,
    claimers=20, claim_threads=100, claim_rounds=2, claim_rate=50.0, claim_load=(10, 5.0),
    page_threads=[200], page_seconds=2.0, reading_passes=2, listening_seconds=1.0,
    sla_threads=2000, sla_seconds=4.0, incident_warm=[1000],
)


def _ints(text: str) -> list[int]:
    try:
        return [int(part.replace("_", "").replace("k", "000").replace("M", "000000"))
                for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas: {text}") from None


def _cells(text: str) -> list[tuple[int, int]]:
    cells = []
    for part in text.split(","):
        boards, _, rate = part.partition("x")
        if not boards.isdigit() or not rate.isdigit():
            raise argparse.ArgumentTypeError(f"cells look like 200x50,1000x100: {text}")
        cells.append((int(boards), int(rate)))
    return cells


def _sections(text: str) -> list[str]:
    picked = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [p for p in picked if p not in SECTIONS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section {unknown[0]}: use {', '.join(SECTIONS)}")
    return picked


@dataclass
class Options:
    quick: bool
    sections: list[str]
    sizes: Sizes
    floor: bool
    coalesce_ms: int
    ingest_concurrency: int
    load_nice: int
    page_rate: float
    out: Path
    work: Path | None
    show: Path | None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the desk's speed next to a bare python-socketio floor. Prints a "
                    "table and writes the same figures as JSON. Asserts nothing about speed.",
    )
    p.add_argument("--quick", action="store_true",
                   help="a small run (SQLite, 20 boards, 10 posts/s for 3 s, 2k messages) that "
                        "proves the harness works in under a minute")
    p.add_argument("--only", type=_sections, default=list(SECTIONS),
                   help=f"sections to run, comma separated ({','.join(SECTIONS)})")
    p.add_argument("--backends", type=lambda t: t.split(","),
                   help="sqlite,postgres (default: both; --quick: sqlite)")
    p.add_argument("--workers", type=_ints,
                   help="desk processes on PostgreSQL + Redis (default 1,2; SQLite runs one)")
    p.add_argument("--cells", type=_cells,
                   help="fan-out cells BOARDSxRATE,... e.g. 200x50,1000x100")
    p.add_argument("--boards", type=_ints, help="fan-out grid: board counts (with --rates)")
    p.add_argument("--rates", type=_ints, help="fan-out grid: posts per second (with --boards)")
    p.add_argument("--seconds", type=float, help="fan-out: seconds of posting per cell")
    p.add_argument("--no-floor", dest="floor", action="store_false",
                   help="skip the bare python-socketio floor")
    p.add_argument("--coalesce-ms", type=int, default=50,
                   help="TANDEM_COALESCE_MS for the desk, and the floor's batching window")
    p.add_argument("--ingest-sizes", type=_ints, help="messages in the database, e.g. 10k,100k,1M")
    p.add_argument("--ingest-webhooks", type=int, help="webhooks per ingest round (at most)")
    p.add_argument("--ingest-seconds", type=float, help="seconds per ingest round (at most)")
    p.add_argument("--ingest-concurrency", type=int, default=32, help="concurrent senders")
    p.add_argument("--claimers", type=int, help="people claiming at the same time")
    p.add_argument("--claim-threads", type=int, help="threads the spread claims go to")
    p.add_argument("--claim-rounds", type=int, help="contended threads (everybody claims each)")
    p.add_argument("--claim-rate", type=float, help="spread claims per second (default 50)")
    p.add_argument("--claim-load", type=_cells,
                   help="background load while claiming, BOARDSxRATE (default 200x50)")
    p.add_argument("--load-nice", type=int, default=10,
                   help="CPU priority (nice) of the claims section's background load processes; "
                        "0 lets them compete with the desk as equals (default 10)")
    p.add_argument("--page-threads", type=_ints, help="open threads on the board page, e.g. 1k,10k")
    p.add_argument("--page-rate", type=float, default=50.0, help="posts/s while the page is open")
    p.add_argument("--page-seconds", type=float, help="seconds of posting while the page is open")
    p.add_argument("--reading-passes", type=int,
                   help="reading: times the labelled set is read for the CPU figure")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json",
                   help="where the JSON goes (default bench/results/latest.json)")
    p.add_argument("--show", type=Path, metavar="JSON",
                   help="print the table of a saved result (e.g. bench/results/latest.json) and "
                        "exit")
    p.add_argument("--work", type=Path,
                   help="folder for databases and server logs (default: a temporary folder)")
    return p


def parse(argv: list[str] | None = None) -> Options:
    p = parser()
    args = p.parse_args(argv)
    preset = QUICK if args.quick else FULL
    names = [f.name for f in fields(Sizes)]
    given = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if args.claim_load:
        given["claim_load"] = (args.claim_load[0][0], float(args.claim_load[0][1]))
    sizes = replace(preset, **given)
    if args.boards or args.rates:
        boards = args.boards or sorted({b for b, _ in sizes.cells})
        rates = args.rates or sorted({r for _, r in sizes.cells})
        sizes = replace(sizes, cells=list(itertools.product(boards, rates)))
    for name in sizes.backends:
        if name not in ("sqlite", "postgres"):
            p.error(f"unknown backend {name}: use sqlite or postgres")
    return Options(
        quick=args.quick, sections=args.only, sizes=sizes, floor=args.floor,
        coalesce_ms=args.coalesce_ms, ingest_concurrency=args.ingest_concurrency,
        load_nice=args.load_nice,
        page_rate=args.page_rate, out=args.out, work=args.work, show=args.show,
    )
