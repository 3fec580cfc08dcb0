"""Settings: read once from the environment (and `.env`) into one typed object.

A bad or missing value stops start-up with one line naming the variable and what would be valid.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from domain.outbound.addresses import parse_allowed_hosts
from domain.validation import InputError, zone_name
from domain.var_dir import VAR_DIR

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Every variable Settings reads; the README documents each (tests/test_readme.py checks).
VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PORT",
    "LOOPS_PATH",
    "DEFAULT_LOOP",
    "CACHE_SIZE",
    "CACHE_TTL_SECONDS",
    "LOG_LEVEL",
    "HANDOFF_PATH",
    "TRACKLISTS_BASE_URL",
    "TRACKLISTS_SHORT_URL",
    "TRACKLISTS_DELAY_SECONDS",
    "TRACKLISTS_CONTACT",
    "TRACKLISTS_TIMEOUT_SECONDS",
    "TRACKLISTS_WORKER_NOTICE_SECONDS",
    "ALLOW_COMMAND_HOOKS",
    "STATION_ALLOWED_HOSTS",
    "DISPLAY_TIMEZONE",
    "LOOP_UPLOAD_MAX_MB",
    "STATION_BACKOFF_MAX_SECONDS",
    "CONTACT",
    "MUSICBRAINZ_BASE_URL",
    "DISCOGS_BASE_URL",
    "DISCOGS_TOKEN",
    "DEEZER_BASE_URL",
    "LASTFM_BASE_URL",
    "LASTFM_API_KEY",
    "SPOTIFY_ACCOUNTS_URL",
    "SPOTIFY_API_URL",
    "SPOTIFY_CLIENT_ID",
    "SPOTIFY_CLIENT_SECRET",
    "AUTO_IDENTIFY",
    "MUSIC_PATH",
    "COLLECTION_SCAN_MINUTES",
    "METRICS_TOKEN",
)
# A scraper's password is as long as an API token's secret part, at least.
METRICS_TOKEN_MIN_LENGTH = 16
# Politeness towards 1001tracklists (docs/architecture.md): never closer together than this.
TRACKLISTS_MIN_DELAY_SECONDS = 2.0


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable and what would be valid."""


@dataclass(frozen=True, slots=True)
class TracklistsSettings:
    """Where 1001tracklists is and how politely it is asked (see docs/architecture.md)."""

    base_url: str = "https://www.1001tracklists.com"  # no trailing slash
    short_url: str = "https://1001.tl"  # the short-link host (`1001.tl/<id>`)
    delay_seconds: float = 5.0  # between two requests to the site, before jitter
    contact: str = ""  # an e-mail address or URL put in the User-Agent
    timeout_seconds: float = 20.0
    # An import still queued after this long says no worker has taken it (CLI --wait, web).
    worker_notice_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class MusicDatabasesSettings:
    """Where the music databases are (tests point them at local fakes) and their credentials.
    Each credential is a secret, kept out of repr() and logs; "" leaves that service out."""

    musicbrainz_url: str = "https://musicbrainz.org"  # no trailing slash
    discogs_url: str = "https://api.discogs.com"
    discogs_token: str = field(default="", repr=False)  # a personal access token
    deezer_url: str = "https://api.deezer.com"  # no key needed
    lastfm_url: str = "https://ws.audioscrobbler.com"  # the API is at /2.0/
    lastfm_api_key: str = field(default="", repr=False)
    spotify_accounts_url: str = "https://accounts.spotify.com"  # the token: /api/token
    spotify_api_url: str = "https://api.spotify.com"  # /v1/search…
    spotify_client_id: str = field(default="", repr=False)
    spotify_client_secret: str = field(default="", repr=False)

    @property
    def spotify_configured(self) -> bool:
        """Spotify is optional: asked only with both client credentials set."""
        return bool(self.spotify_client_id and self.spotify_client_secret)


@dataclass(frozen=True, slots=True)
class CollectionSettings:
    """The DJ's music collection (issue 12): the folders crateloop reads (never writes) and how
    often the daemon scans them."""

    # Absolute, resolved, in the order configured; `root` columns store them as written here.
    music_paths: tuple[Path, ...] = (VAR_DIR / "music",)
    scan_minutes: int = 15


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str  # SQLAlchemy URL with the psycopg 3 driver
    redis_url: str
    secret_key: str
    port: int
    loops_path: Path
    handoff_path: Path
    default_loop: str
    cache_size: int
    cache_ttl_seconds: int
    log_level: str
    tracklists: TracklistsSettings
    redis_timeout_seconds: float = 5.0  # one Redis command (and a connection) may take this long
    # A station's hook command runs a program as the daemon's user: off unless the operator
    # says so in the environment, which someone with only a web login cannot change.
    allow_command_hooks: bool = False
    # When set, the only hosts (names or addresses) a station's URLs may name or resolve to.
    station_allowed_hosts: tuple[str, ...] = ()
    # The IANA zone pages show times in for users who chose none; data stays in UTC.
    display_timezone: str = "UTC"
    # The largest loop file the browser may upload (the upload route's own body limit).
    loop_upload_max_mb: int = 500
    # While a station's source fails, the daemon asks it less and less often, up to this long.
    station_backoff_max_seconds: float = 60.0
    # An e-mail address or URL every outside service sees in our User-Agent (CONTACT, or
    # TRACKLISTS_CONTACT from before there was more than one service).
    contact: str = ""
    music_databases: MusicDatabasesSettings = MusicDatabasesSettings()
    # An imported tracklist's tracks are identified as soon as the worker stored a new version.
    auto_identify: bool = True
    collection: CollectionSettings = CollectionSettings()
    # The bearer token a Prometheus scraper sends to GET /metrics; "" leaves /metrics unserved.
    # A secret: kept out of repr() and logs.
    metrics_token: str = field(default="", repr=False)

    def channel(self, name: str) -> str:
        """A Redis channel or key name private to this installation (named after its database)."""
        database = urlsplit(self.database_url).path.lstrip("/") or "crateloop"
        return f"crateloop:{database}:{name}"

    @property
    def psycopg_url(self) -> str:
        """The database URL as libpq/psycopg wants it (no SQLAlchemy driver suffix)."""
        return self.database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def database_url(raw: str) -> str:
    """Accept `postgres://`, `postgresql://` and `postgresql+psycopg://` URLs."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg") or not parts.path:
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL like postgresql://user:pass@host:5432/dbname"
            f" (got scheme {parts.scheme!r})"
        )
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def _redis_url(raw: str) -> str:
    if urlsplit(raw.strip()).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
    return raw.strip()


def _site_url(env: Mapping[str, str], name: str, default: str) -> str:
    """The URL in `name` (unset or blank: `default`), without credentials or a trailing "/"."""
    raw = env.get(name, "") or default
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise ConfigError(f"{name} must be an http(s) URL without credentials (got {raw!r})")
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _seconds(
    env: Mapping[str, str], name: str, default: float, *, minimum: float, maximum: float
) -> float:
    """The number of seconds in `name` (unset or blank: `default`), from `minimum` to `maximum`."""
    raw = env.get(name, "") or str(default)
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not minimum <= value <= maximum:  # also refuses nan
        raise ConfigError(
            f"{name} must be a number of seconds from {minimum:g} to {maximum:g} (got {raw!r})"
        )
    return value


def _tracklists(env: dict[str, str]) -> TracklistsSettings:
    defaults = TracklistsSettings()
    return TracklistsSettings(
        base_url=_site_url(env, "TRACKLISTS_BASE_URL", defaults.base_url),
        short_url=_site_url(env, "TRACKLISTS_SHORT_URL", defaults.short_url),
        delay_seconds=_seconds(
            env,
            "TRACKLISTS_DELAY_SECONDS",
            defaults.delay_seconds,
            minimum=TRACKLISTS_MIN_DELAY_SECONDS,
            maximum=3600,
        ),
        contact=_contact(env, "TRACKLISTS_CONTACT"),
        timeout_seconds=_seconds(
            env, "TRACKLISTS_TIMEOUT_SECONDS", defaults.timeout_seconds, minimum=1, maximum=300
        ),
        worker_notice_seconds=_seconds(
            env,
            "TRACKLISTS_WORKER_NOTICE_SECONDS",
            defaults.worker_notice_seconds,
            minimum=0.1,
            maximum=3600,
        ),
    )


def _contact(env: dict[str, str], first: str = "CONTACT") -> str:
    """The contact for outside services: `first`, else the other of CONTACT/TRACKLISTS_CONTACT."""
    other = "TRACKLISTS_CONTACT" if first == "CONTACT" else "CONTACT"
    return env.get(first, "").strip() or env.get(other, "").strip()


def _music_databases(env: dict[str, str]) -> MusicDatabasesSettings:
    defaults = MusicDatabasesSettings()
    return MusicDatabasesSettings(
        musicbrainz_url=_site_url(env, "MUSICBRAINZ_BASE_URL", defaults.musicbrainz_url),
        discogs_url=_site_url(env, "DISCOGS_BASE_URL", defaults.discogs_url),
        discogs_token=env.get("DISCOGS_TOKEN", "").strip(),
        deezer_url=_site_url(env, "DEEZER_BASE_URL", defaults.deezer_url),
        lastfm_url=_site_url(env, "LASTFM_BASE_URL", defaults.lastfm_url),
        lastfm_api_key=env.get("LASTFM_API_KEY", "").strip(),
        spotify_accounts_url=_site_url(env, "SPOTIFY_ACCOUNTS_URL", defaults.spotify_accounts_url),
        spotify_api_url=_site_url(env, "SPOTIFY_API_URL", defaults.spotify_api_url),
        spotify_client_id=env.get("SPOTIFY_CLIENT_ID", "").strip(),
        spotify_client_secret=env.get("SPOTIFY_CLIENT_SECRET", "").strip(),
    )


def _collection(env: dict[str, str]) -> CollectionSettings:
    raw = env.get("MUSIC_PATH", "").strip()
    roots: list[Path] = []
    for part in raw.split(":") if raw else [str(VAR_DIR / "music")]:
        if not part.strip():
            raise ConfigError(
                f"MUSIC_PATH must be folders separated by ':' with none empty (got {raw!r})"
            )
        root = Path(part.strip()).resolve()
        if root not in roots:  # the same folder twice would list every file twice
            roots.append(root)
    for root in roots:
        nested = [other for other in roots if other != root and root.is_relative_to(other)]
        if nested:
            raise ConfigError(
                f"MUSIC_PATH folders must not lie inside each other ({root} is inside {nested[0]})"
            )
    return CollectionSettings(
        music_paths=tuple(roots),
        scan_minutes=_positive_int(
            "COLLECTION_SCAN_MINUTES", env.get("COLLECTION_SCAN_MINUTES", "15"), maximum=7 * 24 * 60
        ),
    )


def _metrics_token(raw: str) -> str:
    token = raw.strip()
    if token and (len(token) < METRICS_TOKEN_MIN_LENGTH or any(c.isspace() for c in token)):
        raise ConfigError(
            f"METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters without spaces"
            " (e.g. from: openssl rand -hex 32), or unset to leave /metrics unserved"
        )
    return token


def _positive_int(name: str, raw: str, *, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 1 or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigError(f"{name} must be a whole number of at least 1{upper} (got {raw!r})")
    return value


def _switch(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 (on) or 0 (off) (got {raw!r})")


def _time_zone(name: str, raw: str) -> str:
    try:
        return zone_name(name, raw.strip() or "UTC")
    except InputError as error:
        raise ConfigError(str(error)) from None


def environment() -> dict[str, str]:
    """The process environment over `.env` (the real environment wins)."""
    merged = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    merged.update(os.environ)
    return merged


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build Settings from `env` (default: the environment and `.env`); raise ConfigError."""
    env = environment() if env is None else env

    def required(name: str, what: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            raise ConfigError(f"{name} is not set: it must be {what}")
        return value

    log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {log_level!r})")
    secret_key = required("SECRET_KEY", "a random string of at least 32 characters")
    if len(secret_key) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters long")
    loops_path = Path(env.get("LOOPS_PATH", "").strip() or VAR_DIR / "loops").resolve()
    handoff_path = Path(env.get("HANDOFF_PATH", "").strip() or VAR_DIR / "handoff").resolve()
    return Settings(
        database_url=database_url(
            required("DATABASE_URL", "a PostgreSQL URL like postgresql://user@host:5432/dbname")
        ),
        redis_url=_redis_url(required("REDIS_URL", "a Redis URL like redis://127.0.0.1:6379/0")),
        secret_key=secret_key,
        port=_positive_int("PORT", env.get("PORT", "8000"), maximum=65535),
        loops_path=loops_path,
        handoff_path=handoff_path,
        default_loop=env.get("DEFAULT_LOOP", "").strip() or "default.mp4",
        cache_size=_positive_int("CACHE_SIZE", env.get("CACHE_SIZE", "1000")),
        cache_ttl_seconds=_positive_int("CACHE_TTL_SECONDS", env.get("CACHE_TTL_SECONDS", "3600")),
        log_level=log_level,
        tracklists=_tracklists(env),
        redis_timeout_seconds=_seconds(env, "REDIS_TIMEOUT_SECONDS", 5, minimum=0.5, maximum=60),
        allow_command_hooks=_switch("ALLOW_COMMAND_HOOKS", env.get("ALLOW_COMMAND_HOOKS", "")),
        auto_identify=_switch("AUTO_IDENTIFY", env.get("AUTO_IDENTIFY", "1")),
        station_allowed_hosts=parse_allowed_hosts(env.get("STATION_ALLOWED_HOSTS", "")),
        display_timezone=_time_zone("DISPLAY_TIMEZONE", env.get("DISPLAY_TIMEZONE", "")),
        loop_upload_max_mb=_positive_int(
            "LOOP_UPLOAD_MAX_MB", env.get("LOOP_UPLOAD_MAX_MB", "500"), maximum=100_000
        ),
        station_backoff_max_seconds=_seconds(
            env, "STATION_BACKOFF_MAX_SECONDS", 60, minimum=1, maximum=3600
        ),
        contact=_contact(env),
        music_databases=_music_databases(env),
        collection=_collection(env),
        metrics_token=_metrics_token(env.get("METRICS_TOKEN", "")),
    )


@cache
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
