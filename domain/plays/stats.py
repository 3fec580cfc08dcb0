"""The read side of plays and of what is playing: dashboard cards, listings, CSV, hourly counts.

The daemon writes plays and `station_health` (now-playing card + health); this module only reads
them, tolerantly: a card or health dict may lack fields, and times may be ISO strings or unix
seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, text

from domain.db import Sessions
from domain.models import Play, Reason, Station, StationHealth
from domain.paging import Page, offset, page_within
from domain.stations.events import Health, NowPlayingCard

RECENT_PLAYS = 20
CSV_COLUMNS = (
    "started_at",
    "station",
    "artist",
    "title",
    "track_key",
    "song_id",
    "sh_id",
    "duration",
    "reason",
    "loop_path",
)
# Spreadsheets run a cell starting with one of these as a formula (OWASP's CSV injection list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


# Now playing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayRow:
    """One play as listings and the dashboard show it."""

    id: int
    station: str
    started_at: datetime
    artist: str
    title: str
    track_key: str
    song_id: str
    sh_id: int | None
    duration: float | None
    reason: str
    loop_path: str


@dataclass(frozen=True, slots=True)
class StationOverview:
    """One dashboard card: the station, what plays, the watch's health and the last plays."""

    slug: str
    name: str
    card: NowPlayingCard | None
    health: Health | None
    plays: list[PlayRow]


_PLAY_COLUMNS = (
    Play.id,
    Play.station,
    Play.started_at,
    Play.artist,
    Play.title,
    Play.track_key,
    Play.song_id,
    Play.sh_id,
    Play.duration,
    Play.reason,
    Play.loop_path,
)


def _play(row: Sequence[Any]) -> PlayRow:
    id_, station, started_at, artist, title, key, song_id, sh_id, duration, reason, loop = row
    return PlayRow(
        id_, station, started_at, artist or "", title or "", key or "", song_id or "",
        sh_id, duration, reason, loop,
    )  # fmt: skip


async def recent_plays(
    sessions: Sessions, stations: Sequence[str], limit: int = RECENT_PLAYS
) -> dict[str, list[PlayRow]]:
    """The last `limit` plays of each station (by slug), newest first."""
    if not stations:
        return {}
    # One index range scan per station (plays_station_started), however long the history.
    query = text(
        "SELECT p.id, p.station, p.started_at, p.artist, p.title, p.track_key, p.song_id,"
        " p.sh_id, p.duration, p.reason, p.loop_path"
        " FROM unnest(CAST(:stations AS text[])) AS s(slug)"
        " CROSS JOIN LATERAL (SELECT * FROM plays WHERE plays.station = s.slug"
        "   ORDER BY started_at DESC, id DESC LIMIT :limit) AS p"
        " ORDER BY p.station, p.started_at DESC, p.id DESC"
    )
    found: dict[str, list[PlayRow]] = {slug: [] for slug in stations}
    async with sessions() as session:
        rows = await session.execute(query, {"stations": list(stations), "limit": limit})
        for row in rows:
            found[row[1]].append(_play(tuple(row)))
    return found


async def station_overviews(sessions: Sessions) -> list[StationOverview]:
    """Every enabled station with its now-playing card, health and last plays, by name."""
    query = (
        select(Station.slug, Station.name, StationHealth)
        .outerjoin(StationHealth, StationHealth.station_id == Station.id)
        .where(Station.enabled.is_(True))
        .order_by(Station.name)
    )
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    plays = await recent_plays(sessions, [row[0] for row in rows])
    return [
        StationOverview(
            slug=slug,
            name=name,
            card=NowPlayingCard.parse(health.now_playing) if health else None,
            health=Health.from_row(health) if health else None,
            plays=plays[slug],
        )
        for slug, name, health in rows
    ]


async def station_overview(sessions: Sessions, slug: str) -> StationOverview | None:
    """One enabled station's card (see `station_overviews`), or None."""
    for overview in await station_overviews(sessions):
        if overview.slug == slug:
            return overview
    return None


async def station_choices(sessions: Sessions) -> list[tuple[str, str]]:
    """(slug, name) of every station, enabled or not, for filters."""
    async with sessions() as session:
        rows = await session.execute(select(Station.slug, Station.name).order_by(Station.name))
        return [(slug, name) for slug, name in rows]


async def play_station_choices(sessions: Sessions) -> list[tuple[str, str]]:
    """`station_choices`, then the slugs of deleted stations whose plays stay (" (deleted)")."""
    # A deleted station's plays keep its slug and lose the link (station_id NULL): the
    # station_id index finds them without reading the whole history.
    gone = (
        select(Play.station)
        .where(Play.station_id.is_(None), Play.station.not_in(select(Station.slug)))
        .distinct()
        .order_by(Play.station)
    )
    async with sessions() as session:
        slugs = list(await session.scalars(gone))
    return await station_choices(sessions) + [(slug, f"{slug} (deleted)") for slug in slugs]


# Listing and CSV --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlayFilter:
    """Which plays a listing or export covers: a station slug, UTC days (inclusive), a reason."""

    station: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    reason: str | None = None

    def apply(self, query: _Query) -> _Query:
        if self.station:
            query = query.where(Play.station == self.station)
        if self.date_from:
            query = query.where(Play.started_at >= _day_start(self.date_from))
        if self.date_to:
            query = query.where(Play.started_at < _day_start(self.date_to + timedelta(days=1)))
        if self.reason:
            query = query.where(Play.reason == self.reason)
        return query


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


REASONS = tuple(reason.value for reason in Reason)
# The reasons of a play whose loop came from a mapping (and so was counted on it).
MAPPED_REASONS = (Reason.MAPPED.value, Reason.SONG_ID.value)


@dataclass(frozen=True, slots=True)
class PlayTotals:
    """Plays recorded (every row the Plays page lists) and how many of them got a mapped loop."""

    recorded: int
    mapped: int


async def play_totals(sessions: Sessions) -> PlayTotals:
    """The dashboard's play figures, counted on the plays table the Plays page lists."""
    query = select(func.count(), func.count().filter(Play.reason.in_(MAPPED_REASONS)))
    async with sessions() as session:
        recorded, mapped = (await session.execute(query)).one()
    return PlayTotals(int(recorded), int(mapped))


async def page_plays(
    sessions: Sessions, where: PlayFilter, page: int, per_page: int
) -> Page[PlayRow]:
    """One page of the filtered plays, newest first, with the total count (a page past the end
    is the last one)."""
    counted = where.apply(select(func.count()).select_from(Play))
    async with sessions() as session:
        total = int(await session.scalar(counted) or 0)
        page = page_within(page, total, per_page)
        listing = (
            where.apply(select(*_PLAY_COLUMNS))
            .order_by(Play.started_at.desc(), Play.id.desc())
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        rows = [_play(tuple(row)) for row in await session.execute(listing)]
    return Page(rows, total, page, per_page)


def csv_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    cell = str(value)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def _csv_line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_cell(cell) for cell in cells])
    return buffer.getvalue()


async def csv_lines(sessions: Sessions, where: PlayFilter) -> AsyncIterator[str]:
    """The filtered plays as CSV lines (header first), read through a server-side cursor."""
    yield _csv_line(CSV_COLUMNS)
    query = (
        where.apply(select(*_PLAY_COLUMNS))
        .order_by(Play.started_at.desc(), Play.id.desc())
        .execution_options(yield_per=500)
    )
    async with sessions() as session:
        result = await session.stream(query)
        async for row in result:
            play = _play(tuple(row))
            yield _csv_line([getattr(play, column) for column in CSV_COLUMNS])


# Hourly counts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HourCount:
    """Plays that started in one hour (UTC), and how many of them fell back to the default loop."""

    hour: datetime
    plays: int
    fallbacks: int


async def plays_per_hour(
    sessions: Sessions, *, hours: int = 24, station: str | None = None, now: datetime | None = None
) -> list[HourCount]:
    """One HourCount per hour for the last `hours` hours (the current hour last), zeros included."""
    now = now or datetime.now(UTC)
    last = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=hours - 1)
    hour = func.date_trunc("hour", func.timezone("UTC", Play.started_at))
    query = (
        select(hour, func.count(), func.count().filter(Play.reason == Reason.DEFAULT))
        .where(Play.started_at >= first, Play.started_at < last + timedelta(hours=1))
        .group_by(hour)
    )
    if station:
        query = query.where(Play.station == station)
    async with sessions() as session:
        counts = {
            started.replace(tzinfo=UTC): (int(plays), int(fallbacks))
            for started, plays, fallbacks in await session.execute(query)
        }
    series = []
    for n in range(hours):
        start = first + timedelta(hours=n)
        plays, fallbacks = counts.get(start, (0, 0))
        series.append(HourCount(start, plays, fallbacks))
    return series
