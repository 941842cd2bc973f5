"""Settings: a bad TANDEM_DATABASE_URL or a weak production key stops with one clear line."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.settings import Settings, SettingsError, async_database_url
from tests.support.servers import tandem

# make_url raises ValueError (not ArgumentError) for a port that is not a number.
BAD_PORT = "postgresql://bob:hunter2-secret@db.internal:5x32/db"
BAD_URLS = [
    "nonsense",
    "mysql://x/y",
    "sqlite://",
    "://bob:hunter2-secret@host/db",
    "postgresql+nosuchdriver://bob:hunter2-secret@host/db",
    BAD_PORT,
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_cli_refuses_a_malformed_database_url_in_one_line(url: str) -> None:
    done = tandem(["user", "list"], {"TANDEM_DATABASE_URL": url}, check=False)

    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("tandem: ")
    assert "TANDEM_DATABASE_URL" in lines[0]
    assert "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr + done.stdout
    assert done.stdout == ""


@pytest.mark.parametrize("key", ["", "short", "change-me"])
def test_production_refuses_to_start_without_a_strong_secret_key(key: str) -> None:
    env = {"TANDEM_MODE": "production", "TANDEM_SECRET_KEY": key,
           "TANDEM_DATABASE_URL": "sqlite:///never-created.db"}

    done = tandem(["serve", "--port", "1"], env, check=False)

    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "TANDEM_SECRET_KEY" in lines[0]
    assert "Traceback" not in done.stderr


def test_production_accepts_a_long_random_key() -> None:
    settings = Settings(_env_file=None, mode="production", secret_key="k" * 48,  # type: ignore[call-arg]
                        database_url="sqlite:///var/x.db")
    assert settings.signing_key == "k" * 48


@pytest.mark.parametrize(("raw", "driver"), [
    ("postgresql://desk@db.internal/tandem", "postgresql+asyncpg"),
    ("postgres://desk@db.internal/tandem", "postgresql+asyncpg"),
    ("postgresql+psycopg2://desk@db.internal/tandem", "postgresql+asyncpg"),
    ("sqlite:///var/tandem.db", "sqlite+aiosqlite"),
    ("sqlite+pysqlite:///var/tandem.db", "sqlite+aiosqlite"),
])
def test_database_urls_get_the_async_driver(raw: str, driver: str) -> None:
    url = async_database_url(raw)

    assert url.drivername == driver
    assert url.database in ("tandem", "var/tandem.db")


def test_the_async_driver_keeps_host_user_and_password() -> None:
    url = async_database_url("postgresql://desk:pw@db.internal:5433/tandem")

    assert (url.host, url.port, url.username, url.password) == ("db.internal", 5433, "desk", "pw")
    assert "pw" not in url.render_as_string(hide_password=True)


@pytest.mark.parametrize("raw", BAD_URLS)
def test_a_bad_database_url_is_a_settings_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as error:
        async_database_url(raw)
    assert "TANDEM_DATABASE_URL" in str(error.value)
    assert "hunter2" not in str(error.value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, database_url=raw)  # type: ignore[call-arg]


def test_an_unreachable_database_is_one_line_too() -> None:
    url = "postgresql://bob:hunter2-secret@127.0.0.1:1/tandem"

    done = tandem(["user", "list"], {"TANDEM_DATABASE_URL": url}, check=False)

    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "hunter2" not in done.stderr
