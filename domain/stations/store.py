"""Stations: reads and writes of the `stations` table, and the snapshots the daemon compares.

Every write bumps `updated_at` (the daemon restarts a station whose snapshot changed) and
publishes `{"event": "stations-changed"}` on the "stations" channel so it may reload at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.models import Station, StationHealth
from domain.stations import pins
from domain.stations.station_input import StationInput
from domain.stations.validation import StationError, slugify, validate

log = logging.getLogger(__name__)


class StationNotFound(LookupError):
    """No station with the id asked for; the message says so ("no station with id 7")."""


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


@dataclass(frozen=True, slots=True)
class StationListing:
    """A station as the Stations page lists it, with the daemon's last word on its health."""

    station: Station
    health_state: str | None
    health_since: datetime | None
    last_error: str | None


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
        raise StationNotFound(f"no station with id {station_id}")
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
                raise StationNotFound(f"no station with id {station_id}")
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
            raise StationNotFound(f"no station with id {station_id}")
        station.enabled = enabled
        station.updated_at = datetime.now(UTC)
    await announce_change(redis, settings)
    return station


async def delete_station(
    sessions: Sessions,
    settings: Settings,
    station_id: int,
    *,
    redis: aioredis.Redis | None = None,
) -> str:
    """Delete a station and return its name; the daemon stops watching it.

    Its plays stay in history: they keep the station's slug (`plays.station`) and lose only the
    link (`plays.station_id` is set to NULL by the foreign key); its health row goes with it, and
    so does its pin (Switch now), which a new station of the same name would otherwise inherit.
    """
    async with sessions.begin() as session:
        deleted = (
            await session.execute(
                delete(Station)
                .where(Station.id == station_id)
                .returning(Station.name, Station.slug)
            )
        ).one_or_none()
    if deleted is None:
        raise StationNotFound(f"no station with id {station_id}")
    name, slug = deleted
    await _forget_pin(redis, settings, slug)
    await announce_change(redis, settings)
    return str(name)


async def _forget_pin(redis: aioredis.Redis | None, settings: Settings, slug: str) -> None:
    if redis is None:
        return
    try:
        await pins.remove_pin(redis, settings, slug)  # open dashboards hear of it too
    except (RedisError, OSError) as error:
        log.warning("could not remove the pin of deleted station %s: %s", slug, error)
