"""The simulator inside the running desk: four look-alike channels fed through real ingest,
and the starter templates (in English and German) on a desk that has none.

A Service, listed by create_app() when TANDEM_SIMULATOR_RATE is above zero. Items arrive with
Poisson-like spacing at the configured mean rate and go through `do_ingest`, exactly like
a network's webhook, so boards, events and SLA clocks behave as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time

from channels.simulator import ACCOUNTS, ADAPTER, SimulatedItem, Simulator
from server.actions.channels import channels_by_adapter, do_add_channel
from server.actions.ingest import do_ingest
from server.desk import Desk
from server.errors import NotFound
from server.starter_templates import seed_starter_templates

log = logging.getLogger("tandem.simulator")
RETRY_SECONDS = 2.0
STOP_SECONDS = 10.0  # how long shutdown waits for the item being stored
# Never wait longer than this many mean gaps, and never burst to catch up on more than
# this much lost time (a slow database makes the stream slower, not spikier).
MAX_GAPS = 5.0
MAX_BEHIND_SECONDS = 1.0


def gap(rng: random.Random, rate: float) -> float:
    """Seconds until the next item: exponential, as arrivals of independent people are."""
    return min(rng.expovariate(rate), MAX_GAPS / rate)


def run_prefix() -> str:
    """Unique per start, so external ids of a restarted demo never meet earlier ones."""
    return f"{int(time.time()):x}{secrets.token_hex(2)}"


async def ensure_channels(desk: Desk) -> dict[str, int]:
    """The simulated channels by network, created on the very first start only.

    A channel an admin has deactivated stays quiet and is not created again.
    """
    found: dict[str, int] = {}
    inactive: set[str] = set()
    for channel in sorted(await channels_by_adapter(desk.db, ADAPTER), key=lambda c: c.id or 0):
        if channel.network in found or channel.network in inactive:
            continue
        if channel.active:
            found[channel.network] = channel.id  # type: ignore[assignment]
        else:
            inactive.add(channel.network)
    missing = [a for a in ACCOUNTS if a.network not in found and a.network not in inactive]
    if missing:
        async with desk.db.write() as tx:
            for account in missing:
                channel, _ = await do_add_channel(
                    tx, desk.box, network=account.network, adapter=ADAPTER, name=account.name,
                    config={"simulated": True, "handle": account.handle},
                )
                found[account.network] = channel.id  # type: ignore[assignment]
        log.info("simulator: created channels for %s", ", ".join(a.network for a in missing))
    return found


class SimulationRunner:
    def __init__(self, desk: Desk, simulator: Simulator, rate: float, rng: random.Random) -> None:
        self.desk = desk
        self.simulator = simulator
        self.rate = rate
        self.rng = rng
        self.channels: dict[str, int] = {}
        self.stored = 0
        # Set at shutdown: the loop ends between two items, never inside a transaction
        # (cancelling one midway leaves the connection pool a rollback to trip over).
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        await self._connect()
        log.info("simulator: %s scenario at %.2f items/s (run %s)", self.simulator.scenario,
                 self.rate, self.simulator.run)
        loop = asyncio.get_running_loop()
        due = loop.time()
        while not self.stopping.is_set():
            due = max(due + gap(self.rng, self.rate), loop.time() - MAX_BEHIND_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), max(0.0, due - loop.time()))
                return
            await self._deliver(self.simulator.next())

    async def _connect(self) -> None:
        while True:
            try:
                self.channels = await ensure_channels(self.desk)
                if await seed_starter_templates(self.desk.db):
                    log.info("simulator: stored the starter templates")
                return
            except Exception:
                log.exception("simulator: cannot set up its channels; retrying")
                await asyncio.sleep(RETRY_SECONDS)

    async def _deliver(self, made: SimulatedItem) -> None:
        channel_id = self.channels.get(made.network)
        if channel_id is None:
            return
        try:
            result = await do_ingest(self.desk.ingest, channel_id, [made.item])
            self.stored += len(result.stored)
        except NotFound:
            log.warning("simulator: channel %s is gone; looking again", channel_id)
            await self._connect()
        except Exception:
            # A demo must keep going: one failed item is logged and skipped.
            log.exception("simulator: ingest failed for %s", made.item.external_id)
            await asyncio.sleep(RETRY_SECONDS)


class SimulatorService:
    """Runs the simulator at the settings' scenario and rate until the app shuts down."""

    def __init__(self, desk: Desk) -> None:
        settings = desk.settings
        self.runner = SimulationRunner(
            desk, Simulator(settings.simulator_scenario, run=run_prefix()),
            settings.simulator_rate, random.Random(),
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.runner.stopping.clear()
        self._task = asyncio.create_task(self.runner.run(), name="tandem-simulator")

    async def stop(self) -> None:
        if self._task is None:
            return
        self.runner.stopping.set()
        _, late = await asyncio.wait([self._task], timeout=STOP_SECONDS)
        for straggler in late:
            straggler.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
