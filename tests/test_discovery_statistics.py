"""Discovery statistics (domain/library/statistics.py) on a real database: the figures of each
period, what counts and what does not, the trends, and the snapshots readers get."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from cli.main import crateloop
from domain.channels import statistics_refresh
from domain.db import Sessions
from domain.library import statistics
from domain.library.statistics import (
    Bucket,
    Count,
    Period,
    Snapshot,
    Statistics,
    Supported,
    Trend,
)
from domain.library.want_owner import want_list_owner
from domain.library.wants import add_want, update_want
from domain.models import DiscoveryState, TracklistOrigin, WantStatus
from domain.resources import Resources
from tests.library_data import NOW, Library
from tests.waiting import wait_until_async


@pytest.fixture
def library(sessions: Sessions, database_url: str) -> Library:
    """Mixes dated back from NOW, for the figures computed at NOW."""
    return Library(sessions, database_url)


@pytest.fixture
def live(sessions: Sessions, database_url: str) -> Library:
    """Mixes dated back from the real now, for what reads the clock itself (snapshots, the
    command): a fixed date would drift out of the windows, or behind a snapshot, as days pass."""
    return Library(sessions, database_url, datetime.now(UTC))


async def test_the_figures_of_a_period(library: Library, sessions: Sessions) -> None:
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    opus = await library.track("Eric Prydz", "Opus", "Virgin", "Progressive House")
    astral = await library.track("Tale Of Us & Mind Against", "Astral", "Afterlife", "Techno")
    await library.mix([strobe, opus, None], days_ago=1)
    await library.mix([strobe, astral], days_ago=2, origin=TracklistOrigin.PASTE)
    await library.mix([strobe], days_ago=3, origin=TracklistOrigin.HAND)
    # Provisional rows are not discoveries yet: a person has not said so.
    await library.mix([opus, astral], days_ago=1, state=DiscoveryState.PROVISIONAL)

    daily = await statistics.compute(sessions, Period.DAILY, NOW)

    assert (daily.tracks, daily.artists, daily.labels, daily.mixes) == (3, 4, 3, 3)
    assert daily.genres == [Count("Progressive House", 2), Count("Techno", 1)]
    assert daily.sources == [Count("imported", 1), Count("pasted", 1), Count("hand-made", 1)]
    assert daily.most_supported[0] == Supported(strobe, "deadmau5", "Strobe", 3)
    assert [s.library_track_id for s in daily.most_supported] == [strobe, opus, astral]
    assert [b for b in daily.series if b.tracks] == [
        Bucket(date(2026, 12, 4), 1),
        Bucket(date(2026, 12, 5), 2),
        Bucket(date(2026, 12, 6), 2),
    ]
    # Every day of the window is a bucket, the quiet ones at 0.
    assert len(daily.series) == 31
    assert (daily.series[0].start, daily.series[-1].start) == (date(2026, 11, 7), date(2026, 12, 7))
    assert daily.start == NOW - timedelta(days=30)


async def test_each_period_has_its_window(library: Library, sessions: Sessions) -> None:
    old = await library.track("Daft Punk", "One More Time", "Virgin", "House")
    new = await library.track("Bicep", "Glue", "Ninja Tune", "Electronic")
    await library.mix([old], days_ago=800)
    library.first_discovered(old, 800)
    await library.mix([old, new], days_ago=5)  # Daft Punk heard again

    figures = {p: await statistics.compute(sessions, p, NOW) for p in Period}

    assert {p: (s.tracks, s.new_tracks, s.mixes) for p, s in figures.items()} == {
        Period.DAILY: (2, 1, 1),
        Period.WEEKLY: (2, 1, 1),
        Period.MONTHLY: (2, 1, 1),  # 24 months: 800 days ago is before it
        Period.ALL_TIME: (2, 2, 2),
    }
    assert figures[Period.ALL_TIME].start is None
    all_time = figures[Period.ALL_TIME].series
    assert [b for b in all_time if b.tracks] == [
        Bucket(date(2024, 9, 1), 1),
        Bucket(date(2026, 12, 1), 2),
    ]
    assert len(all_time) == 28  # September 2024 to December 2026, month by month
    weekly = figures[Period.WEEKLY].series
    assert [b for b in weekly if b.tracks] == [Bucket(date(2026, 11, 30), 2)]  # a Monday
    assert len(weekly) == 27 and weekly[0].start.weekday() == 0
    assert figures[Period.MONTHLY].most_supported[0].mixes == 1


async def test_what_rose_in_the_last_30_days(library: Library, sessions: Sessions) -> None:
    a = await library.track("Artbat", "Horizon", "Upperground", "Techno")
    b = await library.track("Artbat", "Best Of Me", "Upperground", "Techno")
    c = await library.track("Artbat", "Return To Oz", "Diynamic", "Melodic Techno")
    old = await library.track("Solomun", "Customer Is King", "Diynamic", "Deep House")
    await library.mix([a, b], days_ago=3)
    await library.mix([c], days_ago=10)
    await library.mix([old, c], days_ago=45)

    figures = await statistics.compute(sessions, Period.DAILY, NOW)

    # Artbat: 3 tracks in the last 30 days, 1 (Return To Oz) in the 30 before.
    assert figures.rising_artists == [Trend("Artbat", 3, 1)]
    assert figures.rising_labels == [Trend("Upperground", 2, 0)]  # Diynamic: 1 and 2, falling
    assert figures.rising_genres == [Trend("Techno", 2, 0)]
    assert (figures.rate_recent, figures.rate_before) == (0.1, round(2 / 30, 2))


async def test_nothing_yet_gives_zeros(sessions: Sessions) -> None:
    figures = await statistics.compute(sessions, Period.ALL_TIME, NOW)
    assert (figures.tracks, figures.artists, figures.mixes) == (0, 0, 0)
    assert figures.series == [Bucket(date(2026, 12, 1), 0)]  # this month, empty
    assert [source.count for source in figures.sources] == [0, 0, 0]


async def test_a_snapshot_is_kept_and_goes_stale_when_discoveries_change(
    live: Library, sessions: Sessions
) -> None:
    start = live.now
    strobe = await live.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    await live.mix([strobe], days_ago=1)

    first = await statistics.snapshot(sessions, Period.DAILY, start)  # none kept: computed here
    assert (first.statistics.tracks, first.stale) == (1, False)

    kept_at = start + timedelta(minutes=1)
    kept = await statistics.refresh(sessions, kept_at)
    assert [s.period for s in kept] == list(Period)
    again = await statistics.snapshot(sessions, Period.DAILY, kept_at)
    assert again == statistics.Snapshot(kept[0], stale=False)  # the JSON round trip is exact

    opus = await live.track("Eric Prydz", "Opus", "Virgin", "Progressive House")
    live.now = start + timedelta(minutes=2)
    await live.mix([opus])  # identified after the snapshot
    changed = await statistics.snapshot(sessions, Period.DAILY, start + timedelta(minutes=3))
    assert changed.stale
    assert changed.statistics.tracks == 1  # the old figures, until the new ones are in

    new_at = start + timedelta(minutes=3)
    await statistics.refresh(sessions, new_at)
    old_enough = new_at + statistics.MAX_AGE
    assert not (await statistics.snapshot(sessions, Period.DAILY, old_enough)).stale
    too_old = old_enough + timedelta(seconds=1)
    assert (await statistics.snapshot(sessions, Period.DAILY, too_old)).stale


async def test_statistics_survive_json(library: Library, sessions: Sessions) -> None:
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    await library.mix([strobe], days_ago=1)
    figures = await statistics.compute(sessions, Period.WEEKLY, NOW)
    assert Statistics.from_json(figures.to_json()) == figures


async def test_conversion_is_one_persons_want_list(
    library: Library, sessions: Sessions, database_url: str
) -> None:
    with psycopg.connect(database_url) as conn:
        people = [
            conn.execute(
                "INSERT INTO users (username, password_hash, roles) VALUES (%s, 'x', '{dj}')"
                " RETURNING id",
                (name,),
            ).fetchone()
            for name in ("dj", "other")
        ]
    dj, other = (row[0] for row in people if row is not None)
    tracks = [await library.track("Artist", f"Track {n}", "Label", "Techno") for n in range(4)]
    wants = [await add_want(sessions, dj, track) for track in tracks]
    await add_want(sessions, other, tracks[0])
    bought = (WantStatus.PURCHASED, WantStatus.IN_LIBRARY, WantStatus.FOUND)
    for want, status in zip(wants, bought, strict=False):
        await update_want(sessions, dj, want, status=status.value)

    mine = await statistics.conversion(sessions, dj, Period.ALL_TIME)
    assert (mine.wanted, mine.bought, mine.rate) == (4, 2, 0.5)
    theirs = await statistics.conversion(sessions, other, Period.ALL_TIME)
    assert (theirs.wanted, theirs.bought, theirs.rate) == (1, 0, 0.0)
    nobody = await statistics.conversion(sessions, dj + other, Period.ALL_TIME)
    assert nobody.rate is None  # nothing wanted: no rate, rather than 0 %


async def test_what_one_tracklist_brought(library: Library, sessions: Sessions) -> None:
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    opus = await library.track("Eric Prydz", "Opus", "Virgin", "Progressive House")
    first = await library.mix([strobe], days_ago=10)
    second = await library.mix([strobe, opus, None], days_ago=1, origin=TracklistOrigin.PASTE)

    figures = await statistics.source(sessions, second)

    assert (figures.title, figures.source, figures.tracks, figures.new_tracks) == (
        "Mix 2",
        "pasted",
        2,
        1,  # Strobe was first heard in the first mix
    )
    assert figures.rows == {
        "matched": 2,
        "provisional": 0,
        "unmatched": 1,
        "id": 0,
        "rejected": 0,
    }
    assert (await statistics.source(sessions, first)).new_tracks == 1
    with pytest.raises(statistics.SourceNotFound, match="no tracklist with id 999"):
        await statistics.source(sessions, 999)


async def test_a_stale_snapshot_asks_the_worker_once(
    live: Library, resources: Resources, sessions: Sessions
) -> None:
    strobe = await live.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    await live.mix([strobe], days_ago=1)
    await statistics.refresh(sessions, live.now - timedelta(minutes=5))
    await live.mix([strobe])  # a change since the snapshot

    shown, _ = await statistics.read(resources, Period.DAILY, user_id=1)
    assert shown.stale
    queued = await resources.redis.get(statistics_refresh(resources.settings))
    assert queued == b"1"
    assert not await statistics.request_refresh(resources)  # asked already, within a minute


async def cli(app_env: dict[str, str], *args: str) -> Result:
    """The real CLI in a thread (it runs its own event loop)."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, crateloop, list(args), env=app_env, catch_exceptions=False
    )


async def test_the_command_prints_the_figures_computed_now(
    live: Library, sessions: Sessions, app_env: dict[str, str], database_url: str
) -> None:
    library = live
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    opus = await library.track("Eric Prydz", "Opus", "Virgin", "Progressive House")
    await library.mix([strobe, opus], days_ago=2)
    await library.mix([strobe], days_ago=3, origin=TracklistOrigin.HAND)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO users (username, password_hash, roles) VALUES ('dj', 'x', '{dj}')"
        )
    dj = await want_list_owner(sessions, "dj")
    await update_want(sessions, dj.id, await add_want(sessions, dj.id, opus), status="purchased")

    answer = await cli(app_env, "discovery", "stats", "--period", "daily", "--json")
    assert answer.exit_code == 0, answer.output
    shown = json.loads(answer.stdout)
    assert (shown["period"], shown["tracks"], shown["mixes"]) == ("daily", 2, 2)
    assert shown["most_supported"][0]["artists"] == "deadmau5"
    assert shown["sources"] == [
        {"name": "imported", "count": 1},
        {"name": "pasted", "count": 0},
        {"name": "hand-made", "count": 1},
    ]
    assert shown["conversion"] == {"wanted": 1, "bought": 1, "rate": 1.0}

    text = await cli(app_env, "discovery", "stats", "--period", "all-time")
    assert text.exit_code == 0, text.output
    assert "Discoveries, all-time (all time)" in text.stdout
    assert "tracks      2 (2 new to the library)" in text.stdout
    assert "bought      1 of 1 wanted (100%)" in text.stdout
    assert "     2  deadmau5 - Strobe" in text.stdout


async def test_the_command_refuses_a_bad_period_and_an_unknown_user(
    app_env: dict[str, str], sessions: Sessions
) -> None:
    bad = await cli(app_env, "discovery", "stats", "--period", "yearly")
    assert bad.exit_code == 2
    assert "'yearly' is not one of 'daily', 'weekly', 'monthly', 'all-time'" in bad.output
    nobody = await cli(app_env, "discovery", "stats", "--user", "nobody")
    assert nobody.exit_code == 2
    assert "user: there is no account named 'nobody'" in nobody.stderr
    async with sessions() as session:  # nothing was computed into a snapshot on the way
        assert await session.scalar(text("SELECT count(*) FROM discovery_statistics")) == 0


async def test_the_real_worker_computes_the_snapshots_a_reader_asked_for(
    resources: Resources,
    sessions: Sessions,
    database_url: str,
    worker: subprocess.Popen[bytes],
) -> None:
    library = Library(sessions, database_url, datetime.now(UTC))  # changes dated as they happen
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    await library.mix([strobe], days_ago=1)
    await statistics.refresh(sessions, datetime.now(UTC) - timedelta(minutes=5))
    await library.mix([strobe])  # a change since the snapshot

    shown, _ = await statistics.read(resources, Period.ALL_TIME, user_id=1)
    assert shown.stale and shown.statistics.mixes == 1

    async def fresh() -> Snapshot | None:
        kept = await statistics.snapshot(sessions, Period.ALL_TIME)
        return kept if not kept.stale else None

    done = await wait_until_async(fresh, 30, "the worker's new snapshots")
    assert done.statistics.mixes == 2
