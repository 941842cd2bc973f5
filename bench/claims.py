"""Claims: many people grabbing one thread, and claims spread over many threads.

Claimers are real Socket.IO clients calling the board's `claim` command (the path the board
page uses). One thread: every claimer at once (a burst; its p99 is roughly the time the desk
needs to answer them all). Spread: claims over distinct threads at a steady rate (open loop),
dealt to the claimers in turn. Correctness is checked over the REST API while the claimers are
still connected: every thread has exactly the holder whose claim was answered ok, and on a
contended thread exactly one claim succeeded. A last check after both phases shows what
became of the first phase's claims once their holders had left and come back.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import socketio

from bench import infra
from bench.load import background, holders, open_threads, thread_ids
from bench.sender import make_channel, make_people
from bench.stats import percentiles

CLAIM_TIMEOUT = 60.0  # seconds


async def _claimers(urls: list[str], people: list[tuple[int, str]]) -> list[socketio.AsyncClient]:
    gate = asyncio.Semaphore(10)

    async def one(n: int, token: str) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        async with gate:
            await client.connect(urls[n % len(urls)], auth={"token": token},
                                 transports=["websocket"], wait_timeout=30)
        return client

    return list(await asyncio.gather(*(one(n, token) for n, (_, token) in enumerate(people))))


async def _claim(client: socketio.AsyncClient, thread_id: int) -> tuple[float, bool, str]:
    began = time.perf_counter()
    try:
        answer = await client.call("claim", {"thread_id": thread_id}, timeout=CLAIM_TIMEOUT)
    except socketio.exceptions.TimeoutError:
        # An overloaded desk: counted as a failed claim that took the whole timeout.
        return CLAIM_TIMEOUT * 1000, False, "timeout"
    took = (time.perf_counter() - began) * 1000
    code = "ok" if answer.get("ok") else (answer.get("error") or {}).get("code", "?")
    return took, bool(answer.get("ok")), code


async def _scenarios(urls: list[str], people: list[tuple[int, str]], contended: list[int],
                     spread: list[int], rate: float,
                     check: Callable[[], dict[int, int | None]]) -> dict[str, Any]:
    clients = await _claimers(urls, people)
    try:
        # Everybody at once on one thread, a few times over.
        one_latency: list[float] = []
        winners: dict[int, list[int]] = {}
        codes: dict[str, int] = {}
        for thread_id in contended:
            answers = await asyncio.gather(*(_claim(c, thread_id) for c in clients))
            for (took, ok, code), (user_id, _) in zip(answers, people, strict=True):
                one_latency.append(took)
                codes[code] = codes.get(code, 0) + 1
                if ok:
                    winners.setdefault(thread_id, []).append(user_id)
        # Spread: claim n is due at n/rate (open loop), made by claimer n mod claimers.
        spread_latency: list[float] = []
        owner: dict[int, int] = {}
        failed: dict[str, int] = {}

        async def one(n: int, thread_id: int) -> None:
            index = n % len(clients)
            took, ok, code = await _claim(clients[index], thread_id)
            spread_latency.append(took)
            if ok:
                owner[thread_id] = people[index][0]
            else:
                failed[code] = failed.get(code, 0) + 1

        began = time.perf_counter()
        tasks = []
        for n, thread_id in enumerate(spread):
            pause = began + n / rate - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            tasks.append(asyncio.create_task(one(n, thread_id)))
        await asyncio.gather(*tasks)
        spread_seconds = time.perf_counter() - began
        # Read the holders while the claimers are still connected: once they leave, their
        # claims expire after the grace period, by design.
        held = await asyncio.to_thread(check)
    finally:
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    return {"one_latency": one_latency, "winners": winners, "codes": codes,
            "spread_latency": spread_latency, "owner": owner, "failed": failed,
            "spread_seconds": spread_seconds, "rate": rate, "held": held}


def _compare(held: dict[int, int | None], expected: dict[int, int]) -> dict[str, int]:
    """How many threads show the expected holder, nobody, or somebody else."""
    counts = {"expected_holder": 0, "nobody": 0, "someone_else": 0}
    for thread_id, user_id in expected.items():
        now = held.get(thread_id)
        key = ("expected_holder" if now == user_id else "nobody" if now is None
               else "someone_else")
        counts[key] += 1
    return counts


def _phase(got: dict[str, Any], later: dict[int, int | None], contended: list[int],
           spread: list[int], server: infra.Usage) -> dict[str, Any]:
    held = got["held"]
    exactly_one = sum(1 for t in contended if len(got["winners"].get(t, [])) == 1
                      and held.get(t) == got["winners"][t][0])
    spread_ok = sum(1 for t in spread if t in got["owner"] and held.get(t) == got["owner"][t])
    return {
        "server_cpu_percent": round(server.cpu_percent),
        "server_cpu_wait_percent": round(server.wait_percent),
        "one_thread": {
            "rounds": len(contended), "claims": len(got["one_latency"]),
            "latency_ms": percentiles(got["one_latency"], (50, 99)),
            "answers": got["codes"],
            "threads_with_exactly_one_holder": exactly_one,
        },
        "spread": {
            "threads": len(spread), "claims": len(got["spread_latency"]),
            "latency_ms": percentiles(got["spread_latency"], (50, 99)),
            "offered_per_s": got["rate"],
            "claims_per_s": round(len(got["spread_latency"]) / got["spread_seconds"], 1),
            "refused": got["failed"], "threads_held_by_their_claimer": spread_ok,
        },
        # After both phases (informational): a claim whose holder stayed away longer than
        # the grace period (TANDEM_CLAIM_GRACE_SECONDS) expires, by design.
        "at_the_end": _compare(later, {**got["owner"], **{t: w[0] for t, w in
                                                          got["winners"].items() if w}}),
        # A claim that timed out has no answer to check; any other refusal is wrong here.
        "correct": exactly_one == len(contended) and spread_ok == len(got["owner"])
        and not set(got["failed"]) - {"timeout"},
    }


def run_config(backend_name: str, workers: int, claimers: int, threads: int, rounds: int,
               rate: float, load_boards: int, load_rate: float, nice: int, folder: Path,
               log: Any) -> dict[str, Any]:
    """The same claims twice on fresh threads: on an idle desk, then under background load."""
    backend = infra.make_backend(backend_name, folder / "db")
    phases: dict[str, Any] = {}
    try:
        token = infra.prepare(backend)
        desk = infra.start_desk(backend, workers, folder / "logs", token)
        try:
            url = desk.urls[0]
            channel = asyncio.run(make_channel(url, desk.admin))
            tag = f"cl{secrets.token_hex(2)}"
            each = rounds + threads
            open_threads(url, channel, tag, 2 * each)
            ids = thread_ids(url, desk.admin, tag)
            people = asyncio.run(make_people(url, desk.admin, claimers, tag))
            viewers = asyncio.run(make_people(url, desk.admin, 10, tag + "v"))
            plan = {}
            for index, phase in enumerate(("idle", "under_load")):
                first = index * each
                plan[phase] = ([ids[first + n] for n in range(rounds)],
                               [ids[first + n] for n in range(rounds, each)])
            got: dict[str, Any] = {}
            usage: dict[str, infra.Usage] = {}

            def check() -> dict[int, int | None]:
                return holders(url, desk.admin, tag)

            with infra.Usage(desk.pids) as usage["idle"]:
                got["idle"] = asyncio.run(_scenarios(desk.urls, people, *plan["idle"], rate,
                                                     check))
            tokens = [t for _, t in viewers]
            with background(desk, channel, load_boards, load_rate, tokens, nice) as bg, \
                    infra.Usage(desk.pids) as usage["under_load"]:
                got["under_load"] = asyncio.run(_scenarios(desk.urls, people,
                                                           *plan["under_load"], rate, check))
            later = check()
        finally:
            desk.stop()
    finally:
        backend.drop()
    for phase in ("idle", "under_load"):
        phases[phase] = _phase(got[phase], later, *plan[phase], usage[phase])
    result: dict[str, Any] = {
        "backend": backend.label, "workers": workers, "claimers": claimers,
        "load": {"boards": bg["boards"], "posts_per_s": load_rate, "nice": nice}, **phases,
        "correct": all(p["correct"] for p in phases.values()),
    }
    for phase, done in phases.items():
        log(f"  claims {backend.label}, {workers} worker(s), {phase.replace('_', ' ')}: one "
            f"thread p99 {done['one_thread']['latency_ms']['p99']} ms "
            f"({done['one_thread']['threads_with_exactly_one_holder']}/{rounds} with one "
            f"holder), spread p99 {done['spread']['latency_ms']['p99']} ms "
            f"({done['spread']['threads_held_by_their_claimer']}/{threads} correct)")
    return result


def run(configs: list[tuple[str, int]], claimers: int, threads: int, rounds: int,
        rate: float, load_boards: int, load_rate: float, nice: int, folder: Path,
        log: Any) -> dict[str, Any]:
    return {
        "runs": [run_config(name, workers, claimers, threads, rounds, rate, load_boards,
                            load_rate, nice, folder, log) for name, workers in configs],
        "transport": "Socket.IO `claim` command (the board's path); holders checked over REST",
    }
