"""In-process desks for the tests of server/ (see tests/support/inprocess.py).

`desk` is a running create_app() of its own per test, on a copy of one migrated template
database; every event a test makes it commit is validated against the event registry when
the test ends, whether the test looked at it or not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.backends import backend_name
from tests.support.captured import read_events
from tests.support.desk_template import (
    Template,
    build_template,
    database_copy,
    drop_template,
)
from tests.support.inprocess import InProcessDesk, running_desk


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    name = backend_name()
    try:
        made = build_template(name, tmp_path_factory.mktemp("template"))
    except OSError as error:  # PostgreSQL not reachable: the backends module's rule
        from tests.support.backends import _unavailable

        _unavailable("PostgreSQL", error)
        raise
    yield made
    drop_template(made)


async def _desk(template: Template, folder: Path, **settings: str
                ) -> AsyncIterator[InProcessDesk]:
    async with database_copy(template, folder) as url, \
            running_desk(template, url, **settings) as running:
        yield running
        # Whatever the test did not look at must still be a valid event.
        await read_events(running.db, after=running.started_at_seq)


@pytest.fixture
async def desk(desk_template: Template, tmp_path: Path) -> AsyncIterator[InProcessDesk]:
    async for running in _desk(desk_template, tmp_path):
        yield running


@pytest.fixture
async def network_desk(desk_template: Template, tmp_path: Path, fake_meta: FakeMeta,
                       fake_x: FakeX) -> AsyncIterator[InProcessDesk]:
    """A desk whose Meta and X API URLs point at the local fakes (tests/fakes/)."""
    async for running in _desk(desk_template, tmp_path, meta_graph_url=fake_meta.base_url,
                               x_api_url=fake_x.base_url):
        yield running
