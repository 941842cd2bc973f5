"""Settings from `TANDEM_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_SQLITE = "sqlite:///" + str(Path("var") / "tandem.db")
DEV_KEY_FILE = Path("var") / "secret.key"
WEAK_SECRETS = {"", "change-me", "secret", "dev", "development", "tandem"}
MIN_SECRET_LENGTH = 32

# The sync driver names people write, mapped to the async driver the desk runs on.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


class SettingsError(ValueError):
    """A setting has a value the desk cannot run with."""


def async_database_url(raw: str) -> URL:
    """Parse a database URL and choose the async driver for it."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        # The parser's own message repeats the URL, password included: leave it out.
        raise SettingsError(
            "TANDEM_DATABASE_URL is not a database URL; "
            "use sqlite:///path/to/file.db or postgresql://user@host/db"
        ) from None
    driver = ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise SettingsError(
            f"TANDEM_DATABASE_URL uses '{url.drivername}', which the desk does not support; "
            "use sqlite:///... or postgresql://..."
        )
    url = url.set(drivername=driver)
    if driver.startswith("sqlite") and not url.database:
        raise SettingsError(
            "TANDEM_DATABASE_URL for SQLite needs a file path: sqlite:///var/tandem.db"
        )
    return url


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers send it in the Origin header."""
    parts = urlsplit(url.strip().lower())
    netloc = parts.netloc
    default_port = {"http": ":80", "https": ":443"}.get(parts.scheme)
    if default_port and netloc.endswith(default_port):
        netloc = netloc.removesuffix(default_port)
    return f"{parts.scheme}://{netloc}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TANDEM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_SQLITE
    redis_url: str | None = None
    secret_key: str = ""
    # Public base URL (used for links in templates and the Secure cookie flag).
    base_url: str = "http://127.0.0.1:8000"
    claim_grace_seconds: float = Field(60.0, gt=0)
    # How many events a reconnecting client may be behind before it is told to reload.
    replay_limit: int = Field(5000, gt=0)
    # Minimum pause between two deliveries to one board, to coalesce crisis bursts.
    coalesce_ms: int = Field(50, ge=0)
    head_interval_seconds: float = Field(5.0, gt=0)
    # Items waiting to be stored beyond which webhooks are refused at once (503 with
    # Retry-After) instead of piling up until their sender times out: about a second of work.
    ingest_queue_limit: int = Field(1000, gt=0)
    # Failed sign-ins within the window before sign-in is refused: per (client address,
    # e-mail) and per client address, so nobody elsewhere can lock a person out.
    login_max_failures: int = Field(5, gt=0)
    login_max_failures_per_address: int = Field(50, gt=0)
    login_window_seconds: int = Field(900, gt=0)
    # Rate limits in the `limits` package's notation ("600/minute", "20/second;1000/hour");
    # empty turns a limit off. Per channel for webhooks, per token or session for the API.
    webhook_rate_limit: str = "6000/minute"
    api_rate_limit: str = "1200/minute"
    # Origins besides TANDEM_BASE_URL's whose pages may open cookie-signed-in sockets,
    # comma-separated (for example https://desk.example.com,https://desk-eu.example.com).
    allowed_origins: str = ""
    session_days: int = Field(14, gt=0)
    sla_public_minutes: int = Field(60, gt=0)
    sla_private_minutes: int = Field(240, gt=0)
    # A resolved thread closes after this many days; the customer's message within
    # reopen_days reopens it, a later one starts a new thread linked to it.
    close_after_days: float = Field(7.0, gt=0)
    reopen_days: float = Field(7.0, gt=0)
    # When a service-level target warns: after this share of its time (sla.warning).
    sla_warn_share: float = Field(0.8, gt=0, lt=1)
    # Someone online without a live connection for this long is away (presence).
    away_after_minutes: float = Field(5.0, gt=0)
    # Whether anyone with draft.edit may write the reply of a thread nobody has claimed.
    drafts_open_when_unclaimed: bool = True
    default_language: Literal["en", "de"] = "en"
    # Where browser assets come from: "local" (node_modules) or a CDN base URL.
    assets: str = "local"
    simulator_rate: float = Field(0.0, ge=0)
    simulator_scenario: Literal["normal", "crisis", "campaign"] = "normal"
    # Where the networks' APIs answer (tests point these at local fakes).
    meta_graph_url: str = "https://graph.facebook.com/v21.0"
    x_api_url: str = "https://api.x.com"
    telegram_api_url: str = "https://api.telegram.org"
    youtube_api_url: str = "https://www.googleapis.com/youtube/v3"
    log_level: str = "info"
    # "json": one JSON object per log line (for a log collector); "text" for people.
    log_format: Literal["text", "json"] = "text"
    # GET /metrics (Prometheus): a bearer token the scraper sends, or open without one.
    metrics_token: str = ""
    metrics_open: bool = False
    # Single sign-on with OpenID Connect (server/auth/oidc.py); off while the issuer is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_label: str = "Single sign-on"
    # The claim whose values name roles ("roles", or a dotted path: realm_access.roles), and
    # which value means which desk role: "idp-admins=admin,idp-leads=supervisor" (first wins).
    oidc_role_claim: str = "roles"
    oidc_role_map: str = ""
    # The role of a newcomer whose claims name no mapped role; empty refuses them.
    oidc_default_role: str = "service agent"
    # The claim naming the person's team (made on first sight); empty leaves teams alone.
    oidc_team_claim: str = ""
    # Just-in-time accounts: a newcomer the provider vouches for gets one on first sign-in.
    oidc_jit: bool = True
    # Whether local accounts may sign in with a password (off: only single sign-on).
    local_accounts: bool = True
    # Outgoing webhooks: the wait before a failed delivery's first retry (doubling after).
    hook_first_retry_seconds: float = Field(10.0, gt=0)

    @field_validator("redis_url")
    @classmethod
    def _empty_redis_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("webhook_rate_limit", "api_rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                parse_many(value)
            except ValueError:
                raise SettingsError(
                    f"'{value}' is not a rate limit; write it like 600/minute or 20/second"
                ) from None
        return value

    @model_validator(mode="after")
    def _check(self) -> Settings:
        async_database_url(self.database_url)
        if self.oidc_issuer and not self.oidc_client_id:
            raise SettingsError("TANDEM_OIDC_ISSUER needs TANDEM_OIDC_CLIENT_ID too")
        if not self.local_accounts and not self.oidc_issuer:
            raise SettingsError(
                "TANDEM_LOCAL_ACCOUNTS=false needs single sign-on (TANDEM_OIDC_ISSUER): "
                "nobody could sign in otherwise"
            )
        if self.mode == "production" and (
            self.secret_key in WEAK_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH
        ):
            raise SettingsError(
                "TANDEM_SECRET_KEY is missing or weak: production mode needs at least "
                f"{MIN_SECRET_LENGTH} random characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self

    @cached_property
    def database(self) -> URL:
        return async_database_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database.get_backend_name() == "sqlite"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def origins(self) -> frozenset[str]:
        """Where the desk's own pages come from: the base URL's origin and the extra ones."""
        extra = (o.strip().rstrip("/") for o in self.allowed_origins.split(","))
        return frozenset({origin_of(self.base_url), *(origin_of(o) for o in extra if o)})

    @cached_property
    def signing_key(self) -> str:
        """The key channel secrets are encrypted with.

        Development without TANDEM_SECRET_KEY gets a random key kept in var/secret.key, so
        encrypted secrets survive restarts; production refuses to start without a key.
        """
        if self.secret_key:
            return self.secret_key
        path = DEV_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()
