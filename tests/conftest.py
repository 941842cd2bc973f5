"""Fixtures: a real desk server on a free port, on the backend this pass tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.backends import Backend, backend_name, make_backend
from tests.support.csp import take_violations, watch_every_browser
from tests.support.desk_api import DeskApi
from tests.support.servers import DeskServer, tandem

# One Chromium per session for every browser test (see tests/support/chromium.py).
pytest_plugins = ["tests.support.chromium"]

ADMIN_EMAIL = "admin@tests.example.com"


def pytest_configure(config: pytest.Config) -> None:
    watch_every_browser()


@pytest.fixture(autouse=True)
def no_csp_violations() -> Iterator[None]:
    """Fail a test whose pages broke the Content-Security-Policy (tests/support/csp.py)."""
    take_violations()
    yield
    violations = take_violations()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests that need PostgreSQL and Redis run in the postgres pass only.
    if backend_name() != "postgres":
        keep = [i for i in items if "pg_redis" not in i.keywords]
        deselected = [i for i in items if "pg_redis" in i.keywords]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = keep


def network_urls(meta: FakeMeta, x: FakeX) -> dict[str, str]:
    return {"TANDEM_META_GRAPH_URL": meta.base_url, "TANDEM_X_API_URL": x.base_url}


def prepare(backend: Backend) -> str:
    """Migrate a fresh database and create an admin; returns the admin's API token."""
    env = backend.env()
    tandem(["migrate"], env)
    tandem(["user", "create", "--email", ADMIN_EMAIL, "--name", "Test Admin", "--role", "admin",
            "--password", "admin password 123"], env)
    return tandem(["token", "create", "--email", ADMIN_EMAIL], env).stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    made = make_backend(backend_name(), tmp_path_factory.mktemp("backend"))
    yield made
    for cleanup in made.cleanup:
        cleanup()


@pytest.fixture(scope="session")
def admin_token(backend: Backend) -> str:
    return prepare(backend)


@pytest.fixture(scope="session")
def fake_meta() -> Iterator[FakeMeta]:
    """Meta's Graph API, local: no test desk ever talks to the real networks."""
    fake = FakeMeta().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def fake_x() -> Iterator[FakeX]:
    fake = FakeX().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def server(backend: Backend, admin_token: str, tmp_path_factory: pytest.TempPathFactory,
           fake_meta: FakeMeta, fake_x: FakeX) -> Iterator[DeskServer]:
    log = tmp_path_factory.mktemp("logs") / "desk.log"
    desk = DeskServer(backend.env(), log, extra=network_urls(fake_meta, fake_x)).start()
    yield desk
    desk.stop()


@pytest.fixture(scope="session")
def api(server: DeskServer, admin_token: str) -> Iterator[DeskApi]:
    client = DeskApi(server.url, admin_token)
    yield client
    client.close()


@pytest.fixture
def fresh_backend(tmp_path: Path) -> Iterator[Backend]:
    """A database of its own, for tests that restart or add servers."""
    made = make_backend(backend_name(), tmp_path)
    yield made
    for cleanup in made.cleanup:
        cleanup()
