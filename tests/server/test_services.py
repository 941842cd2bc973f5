"""The long-running services start and stop with the app, from create_app()'s one list.

The app is driven through its own lifespan on a real database (SQLite or PostgreSQL as the
pass says); what runs is read from the event loop's tasks, which each service names.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from server.app import create_app
from server.desk import Desk
from server.services import Services
from server.services.claims_keeper import ClaimKeeper
from server.services.closer import ThreadCloser
from server.services.hooks import HookSender
from server.services.listening import ListeningService
from server.services.presence import PresenceKeeper
from server.services.publishing import PublishService
from server.services.sender import OutboxSender
from server.services.simulation import SimulatorService
from server.services.sla_timer import SlaTimer
from server.services.warm_up import ReadingWarmUp
from server.services.watching import WatchService
from server.settings import Settings
from server.warroom.service import KpiService
from tests.conftest import prepare
from tests.support.backends import Backend, own_backend

# The tasks the services run, by the names they give them.
TASKS = {"claim renewal", "claim expiry", "outbox sender", "watch service",
         "closing resolved threads", "presence", "sla timer", "war-room figures", "webhook sender",
         "tandem-simulator"}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with own_backend(tmp_path_factory.mktemp("services")) as made:
        prepare(made)
        yield made


@pytest.fixture(autouse=True)
def garbage_collection() -> Iterator[None]:
    """The app freezes its start-up objects out of garbage collection; undo that here."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def running_tasks() -> set[str]:
    return {task.get_name() for task in asyncio.all_tasks() if not task.done()} & TASKS


def starlette_of(app: Any) -> Starlette:
    return app.other_asgi_app  # create_app wraps Starlette in Socket.IO's ASGI app


async def test_the_services_start_and_stop_with_the_app(backend: Backend) -> None:
    app = starlette_of(create_app(Settings(database_url=backend.database_url,
                                           simulator_rate=0.2)))
    desk: Desk = app.state.desk
    assert desk.services is not None
    listed = desk.services.services
    assert [type(s) for s in listed] == [ReadingWarmUp, ClaimKeeper, OutboxSender, WatchService,
                                         ThreadCloser, ListeningService, HookSender,
                                         PresenceKeeper, SlaTimer, KpiService, PublishService,
                                         SimulatorService]

    async with app.router.lifespan_context(app):
        assert desk.services.running == listed
        assert running_tasks() == TASKS

    assert desk.services.running == []
    assert running_tasks() == set()


async def test_the_simulator_runs_only_when_it_has_a_rate(backend: Backend) -> None:
    app = starlette_of(create_app(Settings(database_url=backend.database_url)))
    desk: Desk = app.state.desk
    assert desk.services is not None
    assert not any(isinstance(s, SimulatorService) for s in desk.services.services)
    async with app.router.lifespan_context(app):
        assert running_tasks() == TASKS - {"tandem-simulator"}
    assert running_tasks() == set()


class Recorded:
    def __init__(self, name: str, log: list[str], fails_to_stop: bool = False) -> None:
        self.name, self.log, self.fails_to_stop = name, log, fails_to_stop

    async def start(self) -> None:
        self.log.append(f"start {self.name}")

    async def stop(self) -> None:
        self.log.append(f"stop {self.name}")
        if self.fails_to_stop:
            raise RuntimeError("stuck")


async def test_services_stop_in_reverse_and_one_failing_does_not_keep_the_rest_running(
) -> None:
    log: list[str] = []
    services = Services([Recorded("a", log), Recorded("b", log, fails_to_stop=True),
                         Recorded("c", log)])
    await services.start()
    await services.stop()
    assert log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"]
    assert services.running == []
