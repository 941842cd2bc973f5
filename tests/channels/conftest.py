"""The channel tests share one desk wired to the fake networks (its own database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.desk import NetworkDesk, start_network_desk
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX


@pytest.fixture(scope="session")
def network_desk(tmp_path_factory: pytest.TempPathFactory, fake_meta: FakeMeta, fake_x: FakeX
                 ) -> Iterator[NetworkDesk]:
    desk = start_network_desk(tmp_path_factory.mktemp("network-desk"), fake_meta, fake_x)
    yield desk
    desk.stop()
