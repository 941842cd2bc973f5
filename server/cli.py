"""The `tandem` command: serve, demo, migrate, users, tokens, channels."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from server.actions.accounts import (
    do_create_user,
    do_set_password,
    ensure_default_roles,
)
from server.actions.channels import do_add_channel
from server.actions.outbox import webhook_config
from server.actions.tokens import do_create_token_from_shell
from server.crypto import SecretBox
from server.db import Database
from server.errors import DeskError
from server.logs import log_config
from server.metrics import MULTIPROC_ENV
from server.migrate import upgrade
from server.models import Role, User
from server.settings import Settings, SettingsError

DEMO_ADMIN = "admin@tandem.local"
WORKER_HEALTHCHECK_SECONDS = 60


class CliError(Exception):
    pass


def load_settings() -> Settings:
    try:
        return Settings()
    except (ValidationError, SettingsError) as exc:
        raise CliError(_settings_message(exc)) from None


def _settings_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"TANDEM_{'_'.join(str(p) for p in e['loc']).upper() or 'SETTINGS'}: {e['msg']}"
            for e in exc.errors()
        )
    return str(exc)


def run_db(settings: Settings, work: Callable[[Database], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        db = Database(settings.database)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def migrate(settings: Settings) -> None:
    upgrade(settings)

    async def roles(db: Database) -> None:
        async with db.write() as tx:
            await ensure_default_roles(tx)

    run_db(settings, roles)


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = load_settings()
    migrate(settings)
    print(f"database is up to date ({settings.database.render_as_string(hide_password=True)})")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = load_settings()
    if not args.no_migrate:
        migrate(settings)
    if settings.simulator_rate and args.workers > 1:
        raise CliError("the simulator runs in one process: use --workers 1 with it")
    print(f"Tandem is listening on http://{args.host}:{args.port}", flush=True)
    with metrics_folder(args.workers):
        uvicorn.run(
            "server.app:create_app", factory=True, host=args.host, port=args.port,
            workers=args.workers, log_level=settings.log_level, proxy_headers=True,
            log_config=log_config(settings), access_log=False,
            # A worker answers the supervisor's pings only once it has imported the desk: on
            # a busy machine that takes longer than uvicorn's 5 s, and a worker killed for it
            # starts over, for ever.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )


@contextlib.contextmanager
def metrics_folder(workers: int) -> Iterator[None]:
    """Several workers write their metrics to files that /metrics merges (prometheus-client's
    multiprocess mode). The folder must start empty: the desk makes a fresh one and removes
    it afterwards, or empties the one PROMETHEUS_MULTIPROC_DIR names. One worker keeps its
    figures in memory (its client was imported before the variable could be set)."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        mine = f"_{os.getpid()}.db"  # this process's own, already open, when it serves alone
        for stale in Path(given).glob("*.db"):
            if not stale.name.endswith(mine):
                stale.unlink()
        yield
        return
    if workers <= 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="tandem-metrics-")
    os.environ[MULTIPROC_ENV] = folder  # the workers start with this environment
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(folder, ignore_errors=True)


def cmd_demo(args: argparse.Namespace) -> None:
    os.environ["TANDEM_SIMULATOR_RATE"] = str(args.rate)
    os.environ["TANDEM_SIMULATOR_SCENARIO"] = args.scenario
    settings = load_settings()
    migrate(settings)

    async def admin(db: Database) -> str | None:
        async with db.write() as tx:
            if await tx.session.scalar(select(col(User.id)).where(col(User.email) == DEMO_ADMIN)):
                return None
            password = secrets.token_urlsafe(12)
            await do_create_user(
                tx, email=DEMO_ADMIN, name="Admin", role="admin", password=password
            )
            return password

    password = run_db(settings, admin)
    if password:
        print(f"First admin created. Sign in as {DEMO_ADMIN} with the password: {password}")
    else:
        print(f"Sign in as {DEMO_ADMIN} (password printed on the first start; "
              f"'tandem user password --email {DEMO_ADMIN}' sets a new one)")
    args.workers = 1
    args.no_migrate = True
    cmd_serve(args)


def _password(args: argparse.Namespace) -> str:
    if args.password:
        return args.password
    if not sys.stdin.isatty():
        raise CliError("give --password, or run in a terminal to be asked for one")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise CliError("the passwords differ")
    return first


def cmd_user_create(args: argparse.Namespace) -> None:
    settings = load_settings()
    # A service account signs in with tokens only: it needs no password.
    password = None if args.service_account and not args.password else _password(args)

    async def work(db: Database) -> User:
        async with db.write() as tx:
            return await do_create_user(
                tx, email=args.email, name=args.name, role=args.role, password=password,
                language=args.language, service_account=args.service_account,
            )

    user = run_db(settings, work)
    kind = ", service account" if user.service_account else ""
    print(f"created user {user.id}: {user.email} ({args.role}{kind})")


def cmd_user_password(args: argparse.Namespace) -> None:
    settings = load_settings()
    password = _password(args)

    async def work(db: Database) -> None:
        async with db.write() as tx:
            await do_set_password(tx, args.email, password)

    run_db(settings, work)
    print(f"password set for {args.email}")


def cmd_user_list(args: argparse.Namespace) -> None:
    settings = load_settings()

    async def work(db: Database) -> list[Any]:
        async with db.read() as session:
            return list(
                (await session.execute(
                    select(col(User.id), col(User.email), col(User.name), col(Role.name),
                           col(User.active))
                    .join(Role, col(Role.id) == col(User.role_id)).order_by(col(User.id))
                )).all()
            )

    rows = run_db(settings, work)
    print(f"{'id':>4}  {'email':<32} {'name':<24} {'role':<16} active")
    for user_id, email, name, role, active in rows:
        print(f"{user_id:>4}  {email:<32} {name:<24} {role:<16} {'yes' if active else 'no'}")


def cmd_token_create(args: argparse.Namespace) -> None:
    settings = load_settings()

    # A person's token needs their own password; a service account's needs none.
    password = args.password
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(f"Password of {args.email} (empty for a service account): ")

    async def work(db: Database) -> str:
        async with db.write() as tx:
            return await do_create_token_from_shell(tx, args.email, args.name,
                                                    password or None)

    token = run_db(settings, work)
    print(f"API token for {args.email} (shown once, keep it safe):")
    print(token)


def cmd_channel_add(args: argparse.Namespace) -> None:
    settings = load_settings()

    async def work(db: Database) -> tuple[Any, str]:
        async with db.write() as tx:
            return await do_add_channel(
                tx, SecretBox(settings.signing_key), network="webhook", adapter="webhook",
                name=args.name, config=webhook_config(args.reply_url),
            )

    channel, secret = run_db(settings, work)
    print(f"id: {channel.id}")
    print(f"secret: {secret}")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="tandem", description="Tandem, the social-media desk")
    sub = root.add_subparsers(dest="command", required=True)

    def serve_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)

    serve = sub.add_parser("serve", help="run the desk")
    serve_options(serve)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    serve.set_defaults(func=cmd_serve)

    demo = sub.add_parser("demo", help="run the desk with the simulator feeding it")
    serve_options(demo)
    demo.add_argument("--rate", type=float, default=1.0, help="simulated posts per second")
    demo.add_argument("--scenario", choices=["normal", "crisis", "campaign"], default="normal")
    demo.set_defaults(func=cmd_demo)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    create = user.add_parser("create", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", default="service agent")
    create.add_argument("--password")
    create.add_argument("--language", choices=["en", "de"])
    create.add_argument("--service-account", action="store_true",
                        help="a script, not a person: admins may issue its tokens, it never "
                        "approves replies")
    create.set_defaults(func=cmd_user_create)
    password = user.add_parser("password", help="set a user's password")
    password.add_argument("--email", required=True)
    password.add_argument("--password")
    password.set_defaults(func=cmd_user_password)
    user.add_parser("list", help="list users").set_defaults(func=cmd_user_list)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    token_create = token.add_parser(
        "create", help="create an API token for a service account, or for a person who gives "
        "their own password")
    token_create.add_argument("--email", required=True)
    token_create.add_argument("--name", default="")
    token_create.add_argument("--password", help="the person's own password (asked in a "
                              "terminal); not needed for a service account")
    token_create.set_defaults(func=cmd_token_create)

    channel = sub.add_parser("channel", help="channels")
    channel_actions = channel.add_subparsers(dest="action", required=True)
    add = channel_actions.add_parser("add", help="connect a channel")
    add_kinds = add.add_subparsers(dest="kind", required=True)
    webhook = add_kinds.add_parser("webhook", help="a generic signed webhook channel")
    webhook.add_argument("--name", required=True)
    webhook.add_argument("--reply-url", help="where the desk POSTs replies (signed like webhooks)")
    webhook.set_defaults(func=cmd_channel_add)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except (CliError, DeskError) as exc:
        if isinstance(exc, DeskError):
            message = exc.message % exc.params if exc.params else exc.message
        else:
            message = str(exc)
        print(f"tandem: {message}", file=sys.stderr)
        return 1
    except (SettingsError, ValidationError) as exc:
        print(f"tandem: {_settings_message(exc)}", file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        # Connection errors can quote the URL; name the kind of failure, not the details.
        cause = getattr(exc, "orig", None) or exc
        print(f"tandem: cannot use the database ({type(cause).__name__}); "
              "check TANDEM_DATABASE_URL and that the server is running", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
