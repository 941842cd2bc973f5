"""The `tandem` command and the health endpoints, on real processes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.servers import DeskServer, free_port, tandem


def test_users_tokens_and_channels_from_the_command_line(fresh_backend: Backend) -> None:
    env = fresh_backend.env()
    assert tandem(["migrate"], env).returncode == 0

    created = tandem(["user", "create", "--email", "Lena@Example.com", "--name", "Lena",
                      "--role", "supervisor", "--password", "a long password 1"], env)
    listed = tandem(["user", "list"], env)
    token = tandem(["token", "create", "--email", "lena@example.com", "--password",
                    "a long password 1"], env)
    bot = tandem(["user", "create", "--email", "bot@example.com", "--name", "CRM sync",
                  "--service-account"], env)
    bot_token = tandem(["token", "create", "--email", "bot@example.com"], env)
    channel = tandem(["channel", "add", "webhook", "--name", "Shop"], env)

    assert "lena@example.com" in created.stdout
    assert "lena@example.com" in listed.stdout and "supervisor" in listed.stdout
    assert token.stdout.strip().splitlines()[-1].startswith("tdm_")
    assert "service account" in bot.stdout
    assert bot_token.stdout.strip().splitlines()[-1].startswith("tdm_")
    lines = channel.stdout.strip().splitlines()
    assert lines[0].startswith("id: ") and lines[1].startswith("secret: ")


def test_bad_input_on_the_command_line_is_refused_clearly(fresh_backend: Backend) -> None:
    env = fresh_backend.env()
    tandem(["migrate"], env)
    tandem(["user", "create", "--email", "a@example.com", "--name", "A", "--password",
            "a long password 1"], env)

    cases = [
        (["user", "create", "--email", "a@example.com", "--name", "A", "--password",
          "a long password 1"], "exists already"),
        (["user", "create", "--email", "not-an-address", "--name", "B", "--password",
          "a long password 1"], "not an e-mail address"),
        (["user", "create", "--email", "c@example.com", "--name", "C", "--password", "short"],
         "at least 10 characters"),
        (["user", "create", "--email", "d@example.com", "--name", "D", "--role", "boss",
          "--password", "a long password 1"], "no role boss"),
        (["token", "create", "--email", "nobody@example.com"], "no user"),
        # A person's token only with their own password; a shell on the server is not them.
        (["token", "create", "--email", "a@example.com"], "not a service account"),
        (["token", "create", "--email", "a@example.com", "--password", "not the password"],
         "Wrong e-mail or password"),
    ]
    for args, message in cases:
        result = tandem(args, env, check=False)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert tandem(["user", "list"], env).stdout.count("@example.com") == 1


def test_health_and_readiness(fresh_backend: Backend, tmp_path: Path) -> None:
    prepare(fresh_backend)
    desk = DeskServer(fresh_backend.env(), tmp_path / "desk.log").start()
    try:
        assert httpx.get(desk.url + "/healthz").json() == {"status": "ok"}
        assert httpx.get(desk.url + "/readyz").json() == {"status": "ready"}
    finally:
        desk.stop()


def test_readiness_names_an_unreachable_redis(fresh_backend: Backend, tmp_path: Path) -> None:
    prepare(fresh_backend)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    desk = DeskServer(fresh_backend.env(), tmp_path / "desk.log",
                      extra={"TANDEM_REDIS_URL": closed}).start()
    try:
        assert httpx.get(desk.url + "/healthz").status_code == 200
        ready = httpx.get(desk.url + "/readyz")
        # Boards and webhooks work without the bus: the process stays in the balancer.
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert "redis" in ready.json()["problems"]
    finally:
        desk.stop()
