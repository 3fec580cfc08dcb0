"""Discovery statistics: what the DJ keeps discovering, by period, with the trends.

A *discovery* here is a tracklist row identified as a library track (`discoveries` in state
`matched`), dated when crateloop identified it. A period is a window ending now and the buckets
its chart is drawn in:

| period   | window           | bucket |
| -------- | ---------------- | ------ |
| daily    | the last 30 days | day    |
| weekly   | the last 26 weeks| week   |
| monthly  | the last 24 months | month |
| all-time | everything       | month  |

Counting distinct artists over a million discoveries takes seconds, so the figures are computed
by the worker into one snapshot per period (`discovery_statistics`) and read from there; a
reader that finds the snapshot older than the newest change asks for a new one and shows the old
one meanwhile (`Snapshot.stale`; a file linked or unlinked counts as a change, through
`collection_matches.updated_at`). `owned` counts the period's discovered tracks the DJ now has
a collection file of: the conversion from "heard" to "in my crate". The want-list conversion
is one person's and small: it is always read live.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import channels
from domain.db import Sessions
from domain.models import DiscoveryState, DiscoveryStatistics, TracklistOrigin, WantStatus
from domain.resources import Resources

TOP = 10  # most-supported tracks shown
TOP_NAMES = 5  # genres, rising artists, labels and genres
TREND_DAYS = 30  # trends compare the last 30 days with the 30 before
# A snapshot older than this is refreshed even when nothing changed: the windows move on.
MAX_AGE = timedelta(hours=1)
# At most one refresh asked for in this long (a refresh at a million discoveries takes seconds).
REFRESH_SECONDS = 60


class Period(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ALL_TIME = "all-time"


# (window, bucket as date_trunc names it); None: no start.
_WINDOWS: dict[Period, tuple[timedelta | None, str]] = {
    Period.DAILY: (timedelta(days=30), "day"),
    Period.WEEKLY: (timedelta(weeks=26), "week"),
    Period.MONTHLY: (timedelta(days=730), "month"),
    Period.ALL_TIME: (None, "month"),
}

SOURCE_NAMES = {
    TracklistOrigin.IMPORT: "imported",
    TracklistOrigin.PASTE: "pasted",
    TracklistOrigin.HAND: "hand-made",
}


@dataclass(frozen=True, slots=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Trend:
    """A name discovered `recent` times in the last 30 days and `before` times in the 30 before."""

    name: str
    recent: int
    before: int


@dataclass(frozen=True, slots=True)
class Bucket:
    start: date
    tracks: int  # distinct tracks discovered in it


@dataclass(frozen=True, slots=True)
class Supported:
    library_track_id: int
    artists: str
    title: str
    mixes: int  # distinct tracklists it was heard in, within the period


@dataclass(frozen=True, slots=True)
class Statistics:
    period: Period
    start: datetime | None  # None: all time
    computed_at: datetime
    tracks: int  # distinct library tracks discovered
    new_tracks: int  # ... of them first discovered in the period
    artists: int  # distinct primary artists of those tracks
    labels: int
    mixes: int  # distinct tracklists they were heard in
    genres: list[Count]
    sources: list[Count]  # mixes by how the tracklist came in: imported, pasted, hand-made
    most_supported: list[Supported]
    series: list[Bucket]
    rising_artists: list[Trend]
    rising_labels: list[Trend]
    rising_genres: list[Trend]
    rate_recent: float  # tracks discovered a day, the last 30 days
    rate_before: float  # ... the 30 days before
    owned: int = 0  # of `tracks`, those the DJ now has a collection file of

    @property
    def owned_rate(self) -> float | None:
        """The share of the period's discovered tracks now in the collection."""
        return self.owned / self.tracks if self.tracks else None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {
            "start": self.start.isoformat() if self.start else None,
            "computed_at": self.computed_at.isoformat(),
            "owned_rate": self.owned_rate,
            "series": [
                {"start": bucket.start.isoformat(), "tracks": bucket.tracks}
                for bucket in self.series
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Statistics:
        return cls(
            period=Period(data["period"]),
            start=datetime.fromisoformat(data["start"]) if data["start"] else None,
            computed_at=datetime.fromisoformat(data["computed_at"]),
            tracks=data["tracks"],
            new_tracks=data["new_tracks"],
            artists=data["artists"],
            labels=data["labels"],
            mixes=data["mixes"],
            genres=[Count(**item) for item in data["genres"]],
            sources=[Count(**item) for item in data["sources"]],
            most_supported=[Supported(**item) for item in data["most_supported"]],
            series=[
                Bucket(date.fromisoformat(item["start"]), item["tracks"]) for item in data["series"]
            ],
            rising_artists=[Trend(**item) for item in data["rising_artists"]],
            rising_labels=[Trend(**item) for item in data["rising_labels"]],
            rising_genres=[Trend(**item) for item in data["rising_genres"]],
            rate_recent=data["rate_recent"],
            rate_before=data["rate_before"],
            owned=data.get("owned", 0),  # snapshots from before the collection have none
        )


@dataclass(frozen=True, slots=True)
class Conversion:
    """One person's want-list: items added in the period, and how many were bought since."""

    wanted: int
    bought: int  # purchased or in the library

    @property
    def rate(self) -> float | None:
        return self.bought / self.wanted if self.wanted else None

    def to_json(self) -> dict[str, Any]:
        return {"wanted": self.wanted, "bought": self.bought, "rate": self.rate}


@dataclass(frozen=True, slots=True)
class Snapshot:
    statistics: Statistics
    stale: bool  # something changed since: a new one is on its way


# Computing ---------------------------------------------------------------------------------------

# The discoveries of a period: one row per (track, mix), matched rows only.
_EVENTS = """
    SELECT DISTINCT d.library_track_id AS track, d.tracklist_id AS mix
    FROM discoveries d
    WHERE d.state = 'matched' AND d.library_track_id IS NOT NULL
      AND d.created_at >= :start
"""

_TOTALS = text(f"""
    WITH events AS ({_EVENTS}), tracks AS (SELECT DISTINCT track FROM events)
    SELECT
        (SELECT count(*) FROM tracks),
        (SELECT count(*) FROM tracks JOIN library_tracks l ON l.id = tracks.track
         WHERE l.first_discovered >= :start),
        (SELECT count(DISTINCT artist) FROM tracks JOIN library_tracks l ON l.id = tracks.track,
         unnest(l.primary_artists) AS artist),
        (SELECT count(DISTINCT l.label) FROM tracks JOIN library_tracks l ON l.id = tracks.track),
        (SELECT count(DISTINCT mix) FROM events),
        (SELECT count(*) FROM tracks WHERE EXISTS (
            SELECT 1 FROM collection_files f
            WHERE f.library_track_id = tracks.track AND NOT f.missing))
""")  # noqa: S608 (constants only)

_GENRES = text(f"""
    WITH tracks AS (SELECT DISTINCT track FROM ({_EVENTS}) events)
    SELECT l.genre, count(*) FROM tracks JOIN library_tracks l ON l.id = tracks.track
    WHERE l.genre IS NOT NULL
    GROUP BY l.genre ORDER BY count(*) DESC, l.genre LIMIT :top
""")  # noqa: S608 (constants only)

_SOURCES = text(f"""
    WITH mixes AS (SELECT DISTINCT mix FROM ({_EVENTS}) events)
    SELECT t.origin, count(*) FROM mixes JOIN tracklists t ON t.id = mixes.mix
    GROUP BY t.origin
""")  # noqa: S608 (constants only)

_MOST_SUPPORTED = text(f"""
    WITH support AS (
        SELECT track, count(*) AS mixes FROM ({_EVENTS}) events
        GROUP BY track ORDER BY count(*) DESC, track LIMIT :top
    )
    SELECT l.id, l.artists, l.title, support.mixes
    FROM support JOIN library_tracks l ON l.id = support.track
    ORDER BY support.mixes DESC, l.id
""")  # noqa: S608 (constants only)

_SERIES = text("""
    SELECT date_trunc(:bucket, d.created_at AT TIME ZONE 'UTC')::date AS bucket,
           count(DISTINCT d.library_track_id)
    FROM discoveries d
    WHERE d.state = 'matched' AND d.library_track_id IS NOT NULL
      AND d.created_at >= :start
    GROUP BY bucket ORDER BY bucket
""")

# What rose: per name, distinct tracks discovered in the last 30 days and in the 30 before.
_RISING = {
    "artist": "unnest(l.primary_artists)",
    "label": "l.label",
    "genre": "l.genre",
}
_RISING_SQL = """
    WITH recent AS (
        SELECT DISTINCT d.library_track_id AS track, d.created_at >= :middle AS late
        FROM discoveries d
        WHERE d.state = 'matched' AND d.library_track_id IS NOT NULL AND d.created_at >= :since
    ), named AS (
        SELECT {name} AS name, recent.late, recent.track
        FROM recent JOIN library_tracks l ON l.id = recent.track
    )
    SELECT name, count(DISTINCT track) FILTER (WHERE late),
           count(DISTINCT track) FILTER (WHERE NOT late)
    FROM named WHERE name IS NOT NULL
    GROUP BY name
    HAVING count(DISTINCT track) FILTER (WHERE late)
         > count(DISTINCT track) FILTER (WHERE NOT late)
    ORDER BY count(DISTINCT track) FILTER (WHERE late)
           - count(DISTINCT track) FILTER (WHERE NOT late) DESC, name
    LIMIT :top
"""

_RATE = text("""
    SELECT count(DISTINCT d.library_track_id) FILTER (WHERE d.created_at >= :middle),
           count(DISTINCT d.library_track_id) FILTER (WHERE d.created_at < :middle)
    FROM discoveries d
    WHERE d.state = 'matched' AND d.library_track_id IS NOT NULL AND d.created_at >= :since
""")


# The start of "all time" (a bound, rather than no condition, keeps the queries' plans simple).
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def bucket_start(day: date, bucket: str) -> date:
    """The first day of the day, week (Monday) or month `day` falls in."""
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next(day: date, bucket: str) -> date:
    if bucket == "week":
        return day + timedelta(weeks=1)
    if bucket == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def every_bucket(
    counts: dict[date, int], bucket: str, start: datetime | None, now: datetime
) -> list[Bucket]:
    """One bucket for each day, week or month from the window's start (all time: the first
    discovery's) to now, those without discoveries at 0: a chart shows the quiet times too."""
    first = start.date() if start else min(counts, default=now.date())
    day, last = bucket_start(first, bucket), bucket_start(now.date(), bucket)
    series = []
    while day <= last:
        series.append(Bucket(day, counts.get(day, 0)))
        day = _next(day, bucket)
    return series


def window_start(period: Period, now: datetime) -> datetime | None:
    length, _ = _WINDOWS[period]
    return now - length if length is not None else None


def _from(start: datetime | None) -> datetime:
    return start if start is not None else EPOCH


async def compute(sessions: Sessions, period: Period, now: datetime | None = None) -> Statistics:
    """The statistics of one period, from the discoveries themselves (seconds at a million)."""
    now = now or datetime.now(UTC)
    start = window_start(period, now)
    _, bucket = _WINDOWS[period]
    window = {"start": _from(start), "top": TOP_NAMES}
    middle, since = now - timedelta(days=TREND_DAYS), now - timedelta(days=2 * TREND_DAYS)
    trend_window = {"middle": middle, "since": since, "top": TOP_NAMES}
    async with sessions() as session:
        totals = (await session.execute(_TOTALS, window)).one()
        genres = await session.execute(_GENRES, window)
        sources = {origin: count for origin, count in await session.execute(_SOURCES, window)}
        supported = await session.execute(_MOST_SUPPORTED, {"start": _from(start), "top": TOP})
        series = await session.execute(_SERIES, {"start": _from(start), "bucket": bucket})
        rising = {
            kind: await _rising(session, name, trend_window) for kind, name in _RISING.items()
        }
        recent, before = (await session.execute(_RATE, trend_window)).one()
    return Statistics(
        period=period,
        start=start,
        computed_at=now,
        tracks=totals[0],
        new_tracks=totals[1],
        artists=totals[2],
        labels=totals[3],
        mixes=totals[4],
        genres=[Count(name, count) for name, count in genres],
        sources=[Count(name, sources.get(origin, 0)) for origin, name in SOURCE_NAMES.items()],
        most_supported=[Supported(*row) for row in supported],
        series=every_bucket({day: count for day, count in series}, bucket, start, now),
        rising_artists=rising["artist"],
        rising_labels=rising["label"],
        rising_genres=rising["genre"],
        rate_recent=round(recent / TREND_DAYS, 2),
        rate_before=round(before / TREND_DAYS, 2),
        owned=totals[5],
    )


async def _rising(session: AsyncSession, name: str, window: dict[str, Any]) -> list[Trend]:
    rows = await session.execute(text(_RISING_SQL.format(name=name)), window)
    return [Trend(name, recent, before) for name, recent, before in rows]


# Snapshots ---------------------------------------------------------------------------------------


async def refresh(sessions: Sessions, now: datetime | None = None) -> list[Statistics]:
    """Compute every period and keep them as the snapshots readers see."""
    now = now or datetime.now(UTC)
    computed = [await compute(sessions, period, now) for period in Period]
    async with sessions.begin() as session:
        for statistics in computed:
            values = {
                "period": statistics.period.value,
                "computed_at": statistics.computed_at,
                "figures": statistics.to_json(),
            }
            await session.execute(
                insert(DiscoveryStatistics)
                .values(values)
                .on_conflict_do_update(index_elements=["period"], set_=values)
            )
    return computed


_CHANGED = text("""
    SELECT greatest(
        (SELECT max(updated_at) FROM discoveries),
        (SELECT max(updated_at) FROM library_tracks),
        (SELECT max(updated_at) FROM collection_matches))
""")


async def snapshot(sessions: Sessions, period: Period, now: datetime | None = None) -> Snapshot:
    """The period's snapshot; computed here when there is none yet (then it is fresh)."""
    now = now or datetime.now(UTC)
    async with sessions() as session:
        kept = await session.get(DiscoveryStatistics, period.value)
        changed = await session.scalar(_CHANGED)
    if kept is None:
        return Snapshot(await compute(sessions, period, now), stale=False)
    statistics = Statistics.from_json(kept.figures)
    stale = (changed is not None and changed > kept.computed_at) or (
        now - kept.computed_at > MAX_AGE
    )
    return Snapshot(statistics, stale)


_CONVERSION = text("""
    SELECT count(*), count(*) FILTER (WHERE status IN (:purchased, :in_library))
    FROM want_list
    WHERE user_id = :user AND added_at >= :start
""")


async def conversion(
    sessions: Sessions, user_id: int, period: Period, now: datetime | None = None
) -> Conversion:
    """How much of what `user_id` wanted in the period they bought since."""
    start = window_start(period, now or datetime.now(UTC))
    async with sessions() as session:
        wanted, bought = (
            await session.execute(
                _CONVERSION,
                {
                    "user": user_id,
                    "start": _from(start),
                    "purchased": WantStatus.PURCHASED.value,
                    "in_library": WantStatus.IN_LIBRARY.value,
                },
            )
        ).one()
    return Conversion(wanted, bought)


async def read(
    resources: Resources, period: Period, user_id: int, now: datetime | None = None
) -> tuple[Snapshot, Conversion]:
    """What the page, the API and the CLI show: the period's snapshot (a stale one asks the
    worker for a new one) and `user_id`'s want-list conversion."""
    now = now or datetime.now(UTC)
    kept = await snapshot(resources.sessions, period, now)
    if kept.stale:
        await request_refresh(resources)
    return kept, await conversion(resources.sessions, user_id, period, now)


async def request_refresh(resources: Resources) -> bool:
    """Ask the worker for new snapshots, unless someone did within REFRESH_SECONDS; whether
    this call asked."""
    key = channels.statistics_refresh(resources.settings)
    if not await resources.redis.set(key, "1", nx=True, ex=REFRESH_SECONDS):
        return False
    await asyncio.to_thread(resources.jobs.refresh_discovery_statistics)
    return True


# One source (a tracklist) ------------------------------------------------------------------------


class SourceNotFound(LookupError):
    def __init__(self, tracklist_id: int) -> None:
        super().__init__(f"no tracklist with id {tracklist_id}")


@dataclass(frozen=True, slots=True)
class SourceFigures:
    """What one tracklist brought: its rows by identification state, the tracks heard in it,
    and those first heard in it (new to the library when it was identified)."""

    tracklist_id: int
    title: str
    source: str  # imported, pasted or hand-made
    rows: dict[str, int]  # state → rows of its current identification
    tracks: int
    new_tracks: int

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_SOURCE_ROWS = text("""
    SELECT state, count(*) FROM discoveries WHERE tracklist_id = :tracklist GROUP BY state
""")

_SOURCE_TRACKS = text("""
    WITH heard AS (
        SELECT library_track_id AS track, min(created_at) AS at FROM discoveries
        WHERE tracklist_id = :tracklist AND state = 'matched' AND library_track_id IS NOT NULL
        GROUP BY library_track_id
    )
    SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
        SELECT 1 FROM discoveries other
        WHERE other.library_track_id = heard.track AND other.state = 'matched'
          AND other.tracklist_id <> :tracklist AND other.created_at < heard.at))
    FROM heard
""")


async def source(sessions: Sessions, tracklist_id: int) -> SourceFigures:
    """One tracklist's contribution (SourceNotFound when there is no such tracklist)."""
    async with sessions() as session:
        found = (
            await session.execute(
                text("SELECT title, origin FROM tracklists WHERE id = :tracklist"),
                {"tracklist": tracklist_id},
            )
        ).one_or_none()
        if found is None:
            raise SourceNotFound(tracklist_id)
        states = dict.fromkeys((state.value for state in DiscoveryState), 0)
        for state, count in await session.execute(_SOURCE_ROWS, {"tracklist": tracklist_id}):
            states[state] = count
        tracks, new = (await session.execute(_SOURCE_TRACKS, {"tracklist": tracklist_id})).one()
    title, origin = found
    return SourceFigures(
        tracklist_id, title, SOURCE_NAMES[TracklistOrigin(origin)], states, tracks, new
    )
