"""Recording plays (write side): in batches, each stored once and counted once on its mapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# One statement: number the rows from the plays sequence, insert them (a play already stored
# for this station and sh_id is skipped by the partial unique index), then count only the rows
# really inserted on their mappings. `input` is referenced twice, so PostgreSQL materialises it
# and nextval() runs once per row. A station deleted meanwhile leaves station_id empty, as its
# foreign key would.
_INSERT = text(
    """
    WITH input AS (
        SELECT nextval(pg_get_serial_sequence('plays', 'id')) AS id, r.*
        FROM unnest(
            CAST(:station AS text[]), CAST(:station_id AS bigint[]), CAST(:artist AS text[]),
            CAST(:title AS text[]), CAST(:track_key AS text[]), CAST(:song_id AS text[]),
            CAST(:sh_id AS bigint[]), CAST(:loop_path AS text[]), CAST(:reason AS text[]),
            CAST(:started_at AS timestamptz[]), CAST(:duration AS double precision[]),
            CAST(:mapping_id AS bigint[])
        ) AS r(station, station_id, artist, title, track_key, song_id, sh_id, loop_path, reason,
               started_at, duration, mapping_id)
    ),
    inserted AS (
        INSERT INTO plays (id, station, station_id, artist, title, track_key, song_id, sh_id,
                           loop_path, reason, started_at, duration)
        SELECT id, left(station, 100), (SELECT s.id FROM stations s WHERE s.id = station_id),
               artist, title, left(track_key, 512), left(song_id, 32), sh_id,
               loop_path, reason, started_at, duration
        FROM input
        ON CONFLICT (station, sh_id) WHERE sh_id IS NOT NULL DO NOTHING
        RETURNING id
    ),
    counted AS (
        UPDATE track_mappings m
        SET play_count = m.play_count + c.plays,
            last_played_at = GREATEST(m.last_played_at, c.last_played_at)
        FROM (
            SELECT input.mapping_id, count(*) AS plays, max(input.started_at) AS last_played_at
            FROM input JOIN inserted USING (id)
            WHERE input.mapping_id IS NOT NULL
            GROUP BY input.mapping_id
        ) AS c
        WHERE m.id = c.mapping_id
        RETURNING m.id
    )
    SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM counted)
    """
)


@dataclass(frozen=True, slots=True)
class PlayRecord:
    """One play as the daemon saw it, with the loop it got and why."""

    station: str  # the station's slug
    station_id: int | None
    artist: str | None
    title: str | None
    track_key: str | None
    song_id: str | None
    sh_id: int | None
    loop_path: str
    reason: str
    started_at: datetime
    duration: float | None = None
    mapping_id: int | None = None  # the mapping that served it: counted once


async def insert_plays(engine: AsyncEngine, records: Sequence[PlayRecord]) -> int:
    """Store these plays in one transaction (a repeated station + sh_id is skipped) and count
    each stored play on its mapping; return how many were stored."""
    if not records:
        return 0
    params: dict[str, list[object]] = {
        "station": [r.station for r in records],
        "station_id": [r.station_id for r in records],
        "artist": [r.artist for r in records],
        "title": [r.title for r in records],
        "track_key": [r.track_key for r in records],
        "song_id": [r.song_id for r in records],
        "sh_id": [r.sh_id for r in records],
        "loop_path": [r.loop_path for r in records],
        "reason": [r.reason for r in records],
        "started_at": [r.started_at for r in records],
        "duration": [r.duration for r in records],
        "mapping_id": [r.mapping_id for r in records],
    }
    async with engine.begin() as conn:
        row = (await conn.execute(_INSERT, params)).one()
    return int(row[0])
