"""Station health and the now-playing card: what the daemon stores per station and publishes live.

Times in HEALTH and CARD are unix seconds (floats) everywhere: in `station_health.now_playing`,
in `Health.as_dict()` and in the live events. The `station_health` columns themselves are
timestamptz. Only the daemon holding a station's lock writes its row (domain.plays.stats reads).

Live event, JSON on the Redis channel `channels.station_events(settings, slug)`:
`{"event": "switch" | "health", "station": slug, "card": CARD | null, "health": HEALTH}`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypedDict

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.models import StationHealth


class HealthState(StrEnum):
    """How the daemon reaches a station's now-playing source right now."""

    STARTING = "starting"  # watching began, nothing heard yet
    CONNECTED = "connected"  # push feed (or webhook) delivering
    POLLING = "polling"  # polling works (poll mode, or the push feed is down)
    DOWN = "down"  # the source does not answer usably; the current loop stays
    STANDBY = "standby"  # shown for stations no daemon leads; never written by a standby


class NowPlayingCard(TypedDict):
    """The dashboard's now-playing card (stored in `station_health.now_playing`)."""

    artist: str | None
    title: str | None
    art: str | None
    song_id: str | None
    sh_id: int | None
    played_at: float | None
    duration: float | None
    loop_path: str
    loop_name: str  # the loop relative to LOOPS_PATH, as mappings show it
    reason: str
    mapping_id: int | None
    listeners: int | None
    next_artist: str | None
    next_title: str | None
    is_live: bool
    streamer: str | None
    changed_at: float


@dataclass(frozen=True, slots=True)
class Health:
    """A station's connection state since `since`, its last message, switch and error."""

    state: str
    since: float
    last_message_at: float | None = None
    last_switch_at: float | None = None
    last_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def station_event(event: str, slug: str, card: NowPlayingCard | None, health: Health) -> str:
    """The JSON message published on the station's channel."""
    return json.dumps(
        {"event": event, "station": slug, "card": card, "health": health.as_dict()},
        separators=(",", ":"),
    )


def _timestamp(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


async def save_health(
    engine: AsyncEngine, station_id: int, health: Health, card: NowPlayingCard | None
) -> None:
    """Upsert the station's health row; a `None` card keeps the stored one."""
    values: dict[str, Any] = {
        "state": health.state,
        "since": _timestamp(health.since),
        "last_message_at": _timestamp(health.last_message_at),
        "last_switch_at": _timestamp(health.last_switch_at),
        "last_error": health.last_error,
        "updated_at": datetime.now(UTC),
    }
    if card is not None:
        values["now_playing"] = card
    statement = insert(StationHealth).values(station_id=station_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["station_id"], set_=values)
    async with engine.begin() as conn:
        await conn.execute(statement)
