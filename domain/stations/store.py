"""Stations: validation, reads and writes of the `stations` table, snapshots for the daemon,
and the one station a Procfile-only setup describes with environment variables.

Every write bumps `updated_at` (the daemon restarts a station whose snapshot changed) and
publishes `{"event": "stations-changed"}` on the "stations" channel so it may reload at once.
"""

from __future__ import annotations

import logging
import math
import re
import secrets
import shlex
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain import channels
from domain.config import ConfigError, Settings, get_settings
from domain.handoff import HandoffError, confine_link
from domain.loops.files import LoopPathError, check_loop_file, confine, relative_to_root
from domain.models import SourceKind, Station, StationHealth, Transport

log = logging.getLogger(__name__)

Sessions = async_sessionmaker[AsyncSession]

NAME_MAX = 100
SLUG_MAX = 90  # room for a "-NN" suffix within the column's 100 characters
POLL_INTERVAL = (1.0, 3600.0, 10.0)  # minimum, maximum, default (seconds)
HOOK_TIMEOUT = (0.1, 300.0, 10.0)
SWITCH_OFFSET = (-60.0, 60.0, 0.0)
SECRET_MIN = 16
LIQUIDSOAP_MODES = ("var", "queue")
_TARGET = re.compile(r"[A-Za-z0-9_.-]+")
_SHORTCODE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_SECRET = re.compile(r"[A-Za-z0-9_.~-]+")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")
_KIND_LABELS = {"azuracast": "AzuraCast", "icecast": "Icecast", "shoutcast": "SHOUTcast"}


class StationError(ValueError):
    """A station cannot be written as asked; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StationNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class StationConfig:
    """An immutable copy of a stations row; the daemon compares these to reload."""

    id: int
    name: str
    slug: str
    enabled: bool
    kind: str
    base_url: str
    shortcode: str | None
    mount: str | None
    stream_id: int
    api_key: str | None
    transport: str
    poll_interval: float
    webhook_secret: str | None
    live_loop: str | None
    streamer_loops: dict[str, str]
    offline_loop: str | None
    switch_offset: float
    state_dir: str | None
    write_text_file: bool
    symlink_path: str | None
    hook_command: str | None
    hook_timeout: float
    liquidsoap_url: str | None
    liquidsoap_mode: str
    liquidsoap_target: str | None
    updated_at: datetime

    @classmethod
    def of(cls, row: Station) -> StationConfig:
        return cls(
            id=row.id,
            name=row.name,
            slug=row.slug,
            enabled=row.enabled,
            kind=row.kind,
            base_url=row.base_url,
            shortcode=row.shortcode,
            mount=row.mount,
            stream_id=row.stream_id,
            api_key=row.api_key,
            transport=row.transport,
            poll_interval=row.poll_interval,
            webhook_secret=row.webhook_secret,
            live_loop=row.live_loop,
            streamer_loops=dict(row.streamer_loops or {}),
            offline_loop=row.offline_loop,
            switch_offset=row.switch_offset,
            state_dir=row.state_dir,
            write_text_file=row.write_text_file,
            symlink_path=row.symlink_path,
            hook_command=row.hook_command,
            hook_timeout=row.hook_timeout,
            liquidsoap_url=row.liquidsoap_url,
            liquidsoap_mode=row.liquidsoap_mode,
            liquidsoap_target=row.liquidsoap_target,
            updated_at=row.updated_at,
        )


@dataclass
class StationInput:
    """A station as typed into the form (or the environment): every value a string.

    Blank means "the default" for numbers and "none" for optional text. On an update a blank
    `api_key` keeps the stored key (it is never shown back) unless `clear_api_key` is set, and a
    blank `webhook_secret` keeps the stored secret (one is generated for a webhook station).
    `streamer_loops` holds one "Streamer name = loop.mp4" per line.
    """

    name: str = ""
    kind: str = "azuracast"
    base_url: str = ""
    shortcode: str = ""
    mount: str = ""
    stream_id: str = ""
    api_key: str = ""
    clear_api_key: str = ""
    transport: str = ""
    poll_interval: str = ""
    webhook_secret: str = ""
    live_loop: str = ""
    streamer_loops: str = ""
    offline_loop: str = ""
    switch_offset: str = ""
    state_dir: str = ""
    write_text_file: str = ""
    symlink_path: str = ""
    hook_command: str = ""
    hook_timeout: str = ""
    liquidsoap_url: str = ""
    liquidsoap_mode: str = ""
    liquidsoap_target: str = ""

    @classmethod
    def of(cls, row: Station) -> StationInput:
        """The form for editing `row` (the API key is left out: it is never shown back)."""

        def text(value: object) -> str:
            return "" if value is None else str(value)

        def number(value: float) -> str:
            return f"{value:g}"

        return cls(
            name=row.name,
            kind=row.kind,
            base_url=row.base_url,
            shortcode=text(row.shortcode),
            mount=text(row.mount),
            stream_id=str(row.stream_id),
            transport=row.transport,
            poll_interval=number(row.poll_interval),
            webhook_secret=text(row.webhook_secret),
            live_loop=text(row.live_loop),
            streamer_loops="\n".join(f"{k} = {v}" for k, v in (row.streamer_loops or {}).items()),
            offline_loop=text(row.offline_loop),
            switch_offset=number(row.switch_offset),
            state_dir=text(row.state_dir),
            write_text_file="on" if row.write_text_file else "",
            symlink_path=text(row.symlink_path),
            hook_command=text(row.hook_command),
            hook_timeout=number(row.hook_timeout),
            liquidsoap_url=text(row.liquidsoap_url),
            liquidsoap_mode=row.liquidsoap_mode,
            liquidsoap_target=text(row.liquidsoap_target),
        )


@dataclass(frozen=True, slots=True)
class StationListing:
    """A station as the Stations page lists it, with the daemon's last word on its health."""

    station: Station
    health_state: str | None
    health_since: datetime | None
    last_error: str | None


# Validation -------------------------------------------------------------------------------------


def slugify(name: str) -> str:
    """The URL-safe form of a station name: lowercase a-z, 0-9 and single dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_MAX].strip("-") or "station"


def _number(field: str, label: str, raw: str, limits: tuple[float, float, float]) -> float:
    low, high, default = limits
    text = raw.strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise StationError(
            field, f"{label} must be a number from {low:g} to {high:g} (got {text!r})"
        )
    return value


def _flag(field: str, label: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise StationError(field, f"{label} must be on or off (1 or 0), not {raw.strip()!r}")


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise StationError("name", "Name is required")
    if len(name) > NAME_MAX:
        raise StationError("name", f"Name must be at most {NAME_MAX} characters")
    return name


def _base_url(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise StationError("base_url", "Base URL is required, e.g. https://radio.example.com")
    parts = _split_url(text)
    if parts is None:
        raise StationError("base_url", f"Base URL {text!r} is not a valid URL")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StationError(
            "base_url",
            f"Base URL must start with http:// or https:// and name a host (got {text!r})",
        )
    if parts.username is not None or parts.password is not None:
        # The URL is shown on the page and logged; a key belongs in the API key field.
        raise StationError(
            "base_url", "Base URL must not contain a user name or password: use the API key field"
        )
    if parts.query or parts.fragment:
        raise StationError("base_url", "Base URL must not have a ?query or #fragment")
    return text.rstrip("/")


def _split_url(text: str) -> SplitResult | None:
    """The parts of a URL, or None when it cannot be parsed (a bad port counts as that)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    return parts


def _loop(field: str, label: str, raw: str, loops_root: Path) -> str | None:
    if not raw.strip():
        return None
    try:
        path = check_loop_file(loops_root, raw)
    except LoopPathError as error:
        raise StationError(field, f"{label}: {error}") from None
    return relative_to_root(loops_root, path)


def _streamer_loops(raw: str, loops_root: Path) -> dict[str, str]:
    loops: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        streamer, sep, loop = line.rpartition("=")
        streamer = streamer.strip()
        if not sep or not streamer or not loop.strip():
            raise StationError(
                "streamer_loops",
                f"Streamer loops line {number} must read “Streamer name = loop.mp4”",
            )
        label = f"Streamer loops line {number} ({streamer})"
        path = _loop("streamer_loops", label, loop, loops_root)
        assert path is not None
        loops[streamer] = path
    return loops


def _handoff_path(field: str, label: str, raw: str, handoff_root: Path) -> str | None:
    if not raw.strip():
        return None
    try:
        path = confine(handoff_root, raw)
    except LoopPathError as error:
        message = str(error).replace("loops folder", "hand-off folder (HANDOFF_PATH)")
        raise StationError(field, f"{label}: {message.replace('loop file path', 'path')}") from None
    return relative_to_root(handoff_root, path)


def _symlink_path(raw: str, handoff_root: Path) -> str | None:
    """The link's folder is confined; the link itself is not resolved (it points at a loop)."""
    if not raw.strip():
        return None
    try:
        path = confine_link(handoff_root, raw)
    except HandoffError as error:
        raise StationError("symlink_path", f"Symlink: {error}") from None
    return relative_to_root(handoff_root, path)


def _hook_command(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise StationError("hook_command", f"Hook command cannot be parsed: {error}") from None
    if not words:
        raise StationError("hook_command", "Hook command names no program")
    return text


def _liquidsoap_url(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    parts = _split_url(text)
    if parts is not None and parts.scheme == "telnet" and parts.hostname and parts.port:
        return text
    if parts is not None and parts.scheme in ("http", "https") and parts.hostname:
        return text
    raise StationError(
        "liquidsoap_url",
        "Liquidsoap URL must be telnet://host:port or an http(s):// URL (AzuraCast's …/telnet)"
        f" (got {text!r})",
    )


def _secret(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) < SECRET_MIN or len(text) > 100 or not _SECRET.fullmatch(text):
        raise StationError(
            "webhook_secret",
            f"Webhook secret must be {SECRET_MIN}-100 characters of A-Z, a-z, 0-9, _ . ~ -"
            " (leave it blank to have one generated)",
        )
    return text


def validate(
    data: StationInput, settings: Settings, current: Station | None = None
) -> dict[str, Any]:
    """The column values for `data`, or StationError naming the first field at fault.

    `current` is the row being edited (its API key and webhook secret are kept when left blank).
    """
    name = _name(data.name)
    kind = data.kind.strip().lower()
    if kind not in tuple(SourceKind):
        raise StationError("kind", "Source must be one of azuracast, icecast, shoutcast")
    base_url = _base_url(data.base_url)
    shortcode = mount = None
    stream_id = 1
    if kind == SourceKind.AZURACAST:
        shortcode = data.shortcode.strip()
        if not _SHORTCODE.fullmatch(shortcode):
            raise StationError(
                "shortcode",
                "AzuraCast stations need their shortcode (letters, digits, _ . -), as in"
                " /api/nowplaying/SHORTCODE",
            )
    elif kind == SourceKind.ICECAST:
        mount = data.mount.strip()
        if not mount.startswith("/") or len(mount) < 2 or len(mount) > 200 or " " in mount:
            raise StationError("mount", "Icecast stations need their mount, e.g. /radio.mp3")
    else:
        text = data.stream_id.strip() or "1"
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise StationError(
                "stream_id", f"Stream id must be a whole number from 1 (got {text!r})"
            )
        stream_id = int(text)
    transport = data.transport.strip().lower() or (
        Transport.PUSH if kind == SourceKind.AZURACAST else Transport.POLL
    )
    if transport not in tuple(Transport):
        raise StationError("transport", "Transport must be one of push, poll, webhook")
    if kind != SourceKind.AZURACAST and transport != Transport.POLL:
        raise StationError(
            "transport", f"{_KIND_LABELS[kind]} stations are polled: choose the transport poll"
        )
    api_key = data.api_key.strip() or None
    if api_key is not None and (len(api_key) > 500 or not api_key.isprintable()):
        raise StationError("api_key", "API key must be one line of printable characters")
    if (
        api_key is None
        and current is not None
        and not _flag("clear_api_key", "", data.clear_api_key)
    ):
        api_key = current.api_key
    secret = _secret(data.webhook_secret) or (current.webhook_secret if current else None)
    if transport == Transport.WEBHOOK and secret is None:
        secret = secrets.token_urlsafe(24)

    liquidsoap_url = _liquidsoap_url(data.liquidsoap_url)
    mode = data.liquidsoap_mode.strip().lower() or "var"
    if mode not in LIQUIDSOAP_MODES:
        raise StationError("liquidsoap_mode", "Liquidsoap mode must be var or queue")
    target = data.liquidsoap_target.strip() or None
    if liquidsoap_url is not None and (target is None or not _TARGET.fullmatch(target)):
        what = "interactive variable" if mode == "var" else "queue"
        raise StationError(
            "liquidsoap_target",
            f"Liquidsoap needs the name of the {what} (letters, digits, _ . -)",
        )
    if liquidsoap_url is None:
        target = None

    symlink = _symlink_path(data.symlink_path, settings.handoff_path)
    if symlink is not None and not symlink.lower().endswith(".mp4"):
        raise StationError("symlink_path", "Symlink must end in .mp4, e.g. current.mp4")
    loops_root = settings.loops_path
    return {
        "name": name,
        "kind": kind,
        "base_url": base_url,
        "shortcode": shortcode,
        "mount": mount,
        "stream_id": stream_id,
        "api_key": api_key,
        "transport": transport,
        "poll_interval": _number(
            "poll_interval", "Poll interval", data.poll_interval, POLL_INTERVAL
        ),
        "webhook_secret": secret,
        "live_loop": _loop("live_loop", "Live loop", data.live_loop, loops_root),
        "streamer_loops": _streamer_loops(data.streamer_loops, loops_root),
        "offline_loop": _loop("offline_loop", "Offline loop", data.offline_loop, loops_root),
        "switch_offset": _number(
            "switch_offset", "Switch offset", data.switch_offset, SWITCH_OFFSET
        ),
        "state_dir": _handoff_path(
            "state_dir", "State folder", data.state_dir, settings.handoff_path
        ),
        "write_text_file": _flag("write_text_file", "Text file", data.write_text_file),
        "symlink_path": symlink,
        "hook_command": _hook_command(data.hook_command),
        "hook_timeout": _number("hook_timeout", "Hook timeout", data.hook_timeout, HOOK_TIMEOUT),
        "liquidsoap_url": liquidsoap_url,
        "liquidsoap_mode": mode,
        "liquidsoap_target": target,
    }


# Reads ------------------------------------------------------------------------------------------


async def enabled_stations(sessions: Sessions) -> list[StationConfig]:
    """Snapshots of every enabled station, by id."""
    async with sessions() as session:
        rows = await session.scalars(select(Station).where(Station.enabled).order_by(Station.id))
        return [StationConfig.of(row) for row in rows]


async def list_stations(
    sessions: Sessions, *, station_id: int | None = None
) -> list[StationListing]:
    """Every station (or just one) by name, with its health when the daemon has stored it."""
    query = (
        select(Station, StationHealth.state, StationHealth.since, StationHealth.last_error)
        .outerjoin(StationHealth, StationHealth.station_id == Station.id)
        .order_by(func.lower(Station.name), Station.id)
    )
    if station_id is not None:
        query = query.where(Station.id == station_id)
    async with sessions() as session:
        result = await session.execute(query)
        return [StationListing(row[0], row[1], row[2], row[3]) for row in result]


async def get_station(sessions: Sessions, slug: str) -> Station | None:
    """The station with this slug, or None."""
    async with sessions() as session:
        return await session.scalar(select(Station).where(Station.slug == slug))


async def get_station_by_id(sessions: Sessions, station_id: int) -> Station:
    """The station with this id; StationNotFound otherwise."""
    async with sessions() as session:
        station = await session.get(Station, station_id)
    if station is None:
        raise StationNotFound(station_id)
    return station


# Writes -----------------------------------------------------------------------------------------


async def _check_name_free(session: AsyncSession, name: str, station_id: int | None) -> None:
    query = select(Station.id).where(func.lower(Station.name) == name.lower())
    if station_id is not None:
        query = query.where(Station.id != station_id)
    if await session.scalar(query.limit(1)) is not None:
        raise StationError("name", f"A station named “{name}” exists already")


async def _free_slug(session: AsyncSession, name: str) -> str:
    base = slugify(name)
    taken = set(
        await session.scalars(
            select(Station.slug).where((Station.slug == base) | Station.slug.like(f"{base}-%"))
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


async def announce_change(redis: aioredis.Redis | None, settings: Settings) -> None:
    """Tell the daemons a station changed; they reload within 2 s anyway if this is lost."""
    if redis is None:
        return
    try:
        await redis.publish(channels.stations_changed(settings), channels.STATIONS_CHANGED)
    except (RedisError, OSError) as error:
        log.warning("could not announce a station change: %s", error)


def _name_taken(error: IntegrityError, name: str) -> StationError:
    # Two writers raced past the check: the unique index decided.
    if "slug" in str(error.orig):
        return StationError("name", f"A station with the address of “{name}” was just added: retry")
    return StationError("name", f"A station named “{name}” exists already")


async def create_station(
    sessions: Sessions,
    settings: Settings,
    data: StationInput,
    *,
    redis: aioredis.Redis | None = None,
) -> Station:
    """Validate and add a station (enabled); its slug comes from its name."""
    values = validate(data, settings)
    try:
        async with sessions.begin() as session:
            await _check_name_free(session, values["name"], None)
            station = Station(**values, slug=await _free_slug(session, values["name"]))
            session.add(station)
    except IntegrityError as error:
        raise _name_taken(error, values["name"]) from None
    await announce_change(redis, settings)
    return station


async def update_station(
    sessions: Sessions,
    settings: Settings,
    station_id: int,
    data: StationInput,
    *,
    redis: aioredis.Redis | None = None,
) -> Station:
    """Validate and change a station; its slug (in webhook and dashboard URLs) stays."""
    current = await get_station_by_id(sessions, station_id)
    values = validate(data, settings, current)
    try:
        async with sessions.begin() as session:
            station = await session.get(Station, station_id, with_for_update=True)
            if station is None:
                raise StationNotFound(station_id)
            await _check_name_free(session, values["name"], station_id)
            for key, value in values.items():
                setattr(station, key, value)
            station.updated_at = datetime.now(UTC)
    except IntegrityError as error:
        raise _name_taken(error, values["name"]) from None
    await announce_change(redis, settings)
    return station


async def set_enabled(
    sessions: Sessions,
    settings: Settings,
    station_id: int,
    enabled: bool,
    *,
    redis: aioredis.Redis | None = None,
) -> Station:
    """Enable or disable a station (the daemon starts or stops watching it)."""
    async with sessions.begin() as session:
        station = await session.get(Station, station_id, with_for_update=True)
        if station is None:
            raise StationNotFound(station_id)
        station.enabled = enabled
        station.updated_at = datetime.now(UTC)
    await announce_change(redis, settings)
    return station


# The station from the environment ---------------------------------------------------------------

# Which variable holds each field, so an error names what the operator has to fix.
ENV_VARIABLES = {
    "name": "NOWPLAYING_NAME",
    "kind": "NOWPLAYING_KIND",
    "base_url": "NOWPLAYING_URL",
    "shortcode": "NOWPLAYING_SHORTCODE",
    "mount": "NOWPLAYING_MOUNT",
    "poll_interval": "NOWPLAYING_INTERVAL",
    "transport": "NOWPLAYING_TRANSPORT",
    "state_dir": "HANDOFF_DIR",
    "write_text_file": "HANDOFF_TEXT",
    "symlink_path": "HANDOFF_SYMLINK",
    "hook_command": "HANDOFF_COMMAND",
    "hook_timeout": "HANDOFF_TIMEOUT",
    "liquidsoap_url": "LIQUIDSOAP_URL",
    "liquidsoap_mode": "LIQUIDSOAP_MODE",
    "liquidsoap_target": "LIQUIDSOAP_TARGET",
    "live_loop": "LIVE_LOOP",
    "offline_loop": "OFFLINE_LOOP",
    "switch_offset": "SWITCH_OFFSET",
}


def env_station_input(env: Mapping[str, str]) -> StationInput:
    """The station the environment describes (NOWPLAYING_*, HANDOFF_*, LIQUIDSOAP_*, ...)."""
    return StationInput(
        name=env.get("NOWPLAYING_NAME") or "radio",
        kind=env.get("NOWPLAYING_KIND") or "azuracast",
        base_url=env.get("NOWPLAYING_URL") or "",
        shortcode=env.get("NOWPLAYING_SHORTCODE") or "",
        mount=env.get("NOWPLAYING_MOUNT") or "",
        poll_interval=env.get("NOWPLAYING_INTERVAL") or "",
        transport=env.get("NOWPLAYING_TRANSPORT") or "",
        state_dir=env.get("HANDOFF_DIR") or "",
        write_text_file=env.get("HANDOFF_TEXT") or "",
        symlink_path=env.get("HANDOFF_SYMLINK") or "",
        hook_command=env.get("HANDOFF_COMMAND") or "",
        hook_timeout=env.get("HANDOFF_TIMEOUT") or "",
        liquidsoap_url=env.get("LIQUIDSOAP_URL") or "",
        liquidsoap_mode=env.get("LIQUIDSOAP_MODE") or "",
        liquidsoap_target=env.get("LIQUIDSOAP_TARGET") or "",
        live_loop=env.get("LIVE_LOOP") or "",
        offline_loop=env.get("OFFLINE_LOOP") or "",
        switch_offset=env.get("SWITCH_OFFSET") or "",
    )


async def ensure_env_station(
    sessions: Sessions,
    env: Mapping[str, str],
    *,
    settings: Settings | None = None,
    redis: aioredis.Redis | None = None,
) -> StationConfig | None:
    """Add or update the station the environment describes (None without NOWPLAYING_URL).

    The row is written only when a value differs, so every daemon may call this at start-up
    without restarting the others' watchers; enabling/disabling stays the Stations page's.
    Raises ConfigError naming the variable at fault.
    """
    if not (env.get("NOWPLAYING_URL") or "").strip():
        return None
    settings = settings or get_settings()
    data = env_station_input(env)
    for attempt in (1, 2):
        async with sessions() as session:
            name = " ".join(data.name.split())
            current = await session.scalar(
                select(Station).where(func.lower(Station.name) == name.lower())
            )
        try:
            values = validate(data, settings, current)
        except StationError as error:
            variable = ENV_VARIABLES.get(error.field, error.field)
            raise ConfigError(f"{variable}: {error}") from None
        try:
            station = await _upsert(sessions, current, values)
        except IntegrityError:
            if attempt == 2:
                raise
            continue  # another daemon inserted it first: update that row instead
        if station is not None:
            await announce_change(redis, settings)
            return StationConfig.of(station)
        assert current is not None
        return StationConfig.of(current)
    return None


async def _upsert(
    sessions: Sessions, current: Station | None, values: dict[str, Any]
) -> Station | None:
    """Insert, or update `current` when a value differs; None when nothing changed."""
    async with sessions.begin() as session:
        if current is None:
            station = Station(**values, slug=await _free_slug(session, values["name"]))
            session.add(station)
            return station
        if all(getattr(current, key) == value for key, value in values.items()):
            return None
        row = await session.get(Station, current.id, with_for_update=True)
        if row is None:
            raise StationNotFound(current.id)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = datetime.now(UTC)
        return row
