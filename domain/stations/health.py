"""The `station_health` row the daemon keeps for each station it leads (only the daemon holding a
station's lock writes it; `domain.plays.stats` reads it for the dashboard). The card and health
themselves, and the live event, are `domain.stations.events`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.models import StationHealth
from domain.stations.events import Health, NowPlayingCard

FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE: here, the station is gone


async def save_health(
    engine: AsyncEngine, station_id: int, health: Health, card: NowPlayingCard | None
) -> None:
    """Upsert the station's health row; a `None` card keeps the stored one.

    A station deleted meanwhile has no row to keep: its last report is dropped, not retried.
    """
    values: dict[str, Any] = {
        "state": health.state,
        "since": health.since,
        "last_message_at": health.last_message_at,
        "last_switch_at": health.last_switch_at,
        "last_error": health.last_error,
        "updated_at": datetime.now(UTC),
    }
    if card is not None:
        values["now_playing"] = card.as_dict()
    statement = insert(StationHealth).values(station_id=station_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["station_id"], set_=values)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    except IntegrityError as error:
        if getattr(error.orig, "sqlstate", None) != FOREIGN_KEY_VIOLATION:
            raise
