"""The one station a Procfile-only setup describes with environment variables, kept in the table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain.config import ConfigError, Settings, get_settings
from domain.db import Sessions
from domain.models import Station
from domain.stations.station_input import StationInput
from domain.stations.store import StationConfig, StationNotFound, _free_slug, announce_change
from domain.stations.validation import validate
from domain.validation import InputError

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
        except InputError as error:
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
