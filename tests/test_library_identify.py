"""Identifying tracklist rows as library tracks, end to end: jobs queued through domain.jobs and
run by the real worker process against the fake MusicBrainz (paced at 1 request a second for the
whole installation, so every test keeps its searches few), with real PostgreSQL and Redis.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import psycopg
import pytest
from sqlalchemy import select

from domain import channels
from domain.config import load_settings
from domain.library import identify
from domain.library.musicbrainz import lucene_query
from domain.models import Discovery, LibraryTrack
from domain.outbound.breaker import Breaker
from domain.resources import Resources, opened
from domain.tracklists.model import ParsedTrack
from domain.validation import InputError
from tests.fakes import discogs as dg
from tests.fakes import musicbrainz as mb
from tests.fakes.json_service import unauthorized
from tests.library_worker import searched, stored_mix
from tests.waiting import wait_until_async

COPY_COPY = ParsedTrack(position=1, artist="Moderat", title="Copy Copy", label="Monkeytown")
KERALA_REMIX = ParsedTrack(
    position=2, artist="Bonobo", title="Kerala", remix="Ross From Friends Remix"
)
UNKNOWN = ParsedTrack(position=3, artist="ID", title="ID", is_id=True)
PLAYED_WITH = ParsedTrack(position=None, with_previous=True, artist="Burial", title="Archangel")


def copy_copy(server: mb.FakeMusicBrainz) -> dict[str, Any]:
    found = mb.recording(
        "Copy Copy",
        [mb.credit("Moderat")],
        length=273000,
        isrcs=["DEU831300071"],
        releases=[mb.release("III", date="2016-04-01", label="Monkeytown", catno="MTR070")],
    )
    server.search(lucene_query("Moderat", "Copy Copy"), [found])
    return found


def kerala_original(server: mb.FakeMusicBrainz) -> dict[str, Any]:
    found = mb.recording("Kerala", [mb.credit("Bonobo")], length=231000)
    server.search(lucene_query("Bonobo", "Kerala"), [found])
    return found


async def identified(
    resources: Resources, tracklist_id: int, *, within: float = 30
) -> identify.Progress:
    """Start the identification of a tracklist and wait until every row went through once."""
    started = await identify.start_identify(resources, tracklist_id)

    async def finished() -> identify.Progress | None:
        now = await identify.get_progress(resources.settings, resources.redis, started.job_id)
        return now if now.finished else None

    done: identify.Progress | None = await wait_until_async(
        finished, within=within, message="the identification"
    )
    assert done is not None
    return done


async def discoveries(resources: Resources, tracklist_id: int) -> list[Discovery]:
    async with resources.sessions() as session:
        found = await session.scalars(
            select(Discovery)
            .where(Discovery.tracklist_id == tracklist_id)
            .order_by(Discovery.row_index)
        )
        return list(found.all())


def count(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 (our names)
    assert row is not None
    return int(row[0])


def unknown_rows(count: int) -> list[ParsedTrack]:
    """`count` "ID - ID" rows: identified without asking anyone."""
    return [
        ParsedTrack(position=i, artist="ID", title="ID", is_id=True) for i in range(1, count + 1)
    ]


def queued(resources: Resources, queue: str) -> list[dict[str, Any]]:
    """The messages waiting on one of this installation's job queues (by Dramatiq's key)."""
    key = f"{resources.settings.channel('dramatiq')}:{queue}.msgs"
    client = resources.jobs.broker.client
    return [json.loads(raw) for raw in client.hvals(key)]


# First in the module: no worker runs yet, so the messages stay where the test can read them.
async def test_a_long_list_is_queued_in_messages_of_at_most_100_rows(
    identify_resources: Resources,
) -> None:
    rows = [*unknown_rows(250)]
    rows.insert(10, PLAYED_WITH)  # no track of its own: in no message
    mix = await stored_mix(identify_resources.sessions, "0abc", *rows)

    try:
        started = await identify.start_identify(identify_resources, mix)
        messages = await asyncio.to_thread(queued, identify_resources, "library")
    finally:
        client = identify_resources.jobs.broker.client
        keys = client.keys(identify_resources.settings.channel("dramatiq:library*"))
        if keys:
            client.delete(*keys)

    assert (started.total, started.done, started.text) == (250, 0, "0 / 250 rows")
    chunks = sorted((m["args"] for m in messages), key=lambda args: args[3][0])
    assert [len(args[3]) for args in chunks] == [100, 100, 50]
    assert {(args[0], args[1], args[2], args[4]) for args in chunks} == {
        (started.job_id, mix, 1, 1)
    }
    indexes = [index for args in chunks for index in args[3]]
    assert indexes == [i for i in range(251) if i != 10]


async def test_a_500_row_tracklist_is_identified_in_full(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    database_url: str,
) -> None:
    mix = await stored_mix(identify_resources.sessions, "0def", *unknown_rows(500))

    progress = await identified(identify_resources, mix, within=90)

    assert (progress.total, progress.done, progress.waiting) == (500, 500, 0)
    assert count(database_url, "discoveries") == 500
    assert identify_musicbrainz.requests == []


async def test_a_mix_is_identified_matched_remix_provisional_id_never_searched_w_skipped(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
) -> None:
    recording = copy_copy(identify_musicbrainz)
    kerala_original(identify_musicbrainz)
    mix = await stored_mix(
        identify_resources.sessions, "1abc", COPY_COPY, PLAYED_WITH, KERALA_REMIX, UNKNOWN
    )
    listener = identify_resources.redis.pubsub()
    await listener.psubscribe(channels.library_identify_events(identify_resources.settings, "*"))

    progress = await identified(identify_resources, mix)

    assert (progress.total, progress.done, progress.waiting) == (3, 3, 0)
    assert progress.text == "3 / 3 rows"
    rows = await discoveries(identify_resources, mix)
    # The "w/" row (row 1) is no track of its own: no discovery.
    assert [(d.row_index, d.position, d.state) for d in rows] == [
        (0, 1, "matched"),
        (2, 2, "provisional"),
        (3, 3, "id"),
    ]
    matched, remix, unknown = rows
    assert matched.method == "musicbrainz" and matched.confidence > 0.9
    async with identify_resources.sessions() as session:
        track = await session.get_one(LibraryTrack, matched.library_track_id)
    assert track.musicbrainz_recording_id == recording["id"]
    assert (track.label, track.catalogue_number, track.isrc) == (
        "Monkeytown",
        "MTR070",
        "DEU831300071",
    )
    assert track.discovery_count == 1
    # The remix is not the original: kept for a person, with the reason shown.
    assert remix.library_track_id is None
    assert any("version" in reason for reason in remix.differences["reasons"])  # type: ignore[attr-defined]
    assert remix.candidates[0]["title"] == "Kerala"
    assert remix.sources_asked == ["library", "musicbrainz"]
    assert (unknown.sources_asked, unknown.candidates) == ([], [])
    # Only the two real tracks were searched: never "ID", never the "w/" row.
    assert sorted(searched(identify_musicbrainz)) == sorted(
        [lucene_query("Bonobo", "Kerala"), lucene_query("Moderat", "Copy Copy")]
    )
    assert all(
        "ID" not in query and "Archangel" not in query for query in searched(identify_musicbrainz)
    )

    async def published() -> dict[str, Any] | None:
        found: dict[str, Any] | None = await listener.get_message(ignore_subscribe_messages=True)
        return found

    message: dict[str, Any] | None = await wait_until_async(
        published, message="a published progress"
    )
    assert message is not None and json.loads(message["data"])["tracklist_id"] == mix
    await listener.aclose()  # type: ignore[no-untyped-call]
    assert identify_worker.poll() is None


async def test_one_track_in_two_mixes_is_one_library_track_and_reidentifying_adds_nothing(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    database_url: str,
) -> None:
    copy_copy(identify_musicbrainz)
    first = await stored_mix(identify_resources.sessions, "2aaa", COPY_COPY)
    second = await stored_mix(identify_resources.sessions, "2bbb", COPY_COPY)

    await identified(identify_resources, first)
    await identified(identify_resources, second)
    await identified(identify_resources, first)  # again: updates, never duplicates

    assert count(database_url, "library_tracks") == 1
    assert count(database_url, "discoveries") == 2
    async with identify_resources.sessions() as session:
        track = await session.scalar(select(LibraryTrack))
    assert track is not None and track.discovery_count == 2
    (heard_again,) = await discoveries(identify_resources, second)
    assert (heard_again.state, heard_again.method) == ("matched", "library")
    # The library knew it from the first mix: MusicBrainz was asked once.
    assert searched(identify_musicbrainz) == [lucene_query("Moderat", "Copy Copy")]


async def test_an_open_musicbrainz_breaker_leaves_rows_unmatched_to_retry_and_the_job_ends(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
) -> None:
    copy_copy(identify_musicbrainz)
    kerala_original(identify_musicbrainz)
    mix = await stored_mix(identify_resources.sessions, "3abc", COPY_COPY, KERALA_REMIX, UNKNOWN)
    breaker = Breaker(
        identify_resources.redis, channels.musicbrainz(identify_resources.settings, "breaker")
    )
    reopens = await breaker.trip()

    progress = await identified(identify_resources, mix)

    assert (progress.done, progress.waiting) == (3, 2)
    assert progress.text == "3 / 3 rows, 2 waiting for MusicBrainz"
    rows = await discoveries(identify_resources, mix)
    assert [d.state for d in rows] == ["unmatched", "unmatched", "id"]
    assert searched(identify_musicbrainz) == []  # the breaker answered for MusicBrainz
    # The worker queued the two rows again, for when the breaker lets MusicBrainz be asked.

    async def requeued() -> list[dict[str, Any]]:
        return await asyncio.to_thread(queued, identify_resources, "library.DQ")

    delayed: list[dict[str, Any]] = await wait_until_async(
        requeued, message="the rows queued again"
    )
    assert [m["args"][2:] for m in delayed] == [[1, [0, 1], 2]]
    assert delayed[0]["options"]["eta"] >= reopens.timestamp() * 1000
    assert identify_worker.poll() is None


async def test_discogs_is_asked_only_with_a_token_and_finds_what_musicbrainz_lacks(
    identify_env: dict[str, str],
    identify_musicbrainz: mb.FakeMusicBrainz,
    database_url: str,
) -> None:
    discogs = dg.FakeDiscogs()
    archangel = dg.track("A2", "Archangel", "3:58")
    discogs.add_release(dg.release_data(3001, [dg.artist("Burial")], "Untrue", tracks=[archangel]))
    discogs.search("Burial", "Archangel", [3001])
    env = {**identify_env, "DISCOGS_BASE_URL": discogs.url}
    row = ParsedTrack(position=1, artist="Burial", title="Archangel")
    try:
        # The domain function itself, in this process: the worker's MusicBrainz has no token.
        async with opened(load_settings(env)) as without_token:
            mix = await stored_mix(without_token.sessions, "8abc", row)
            outcome = await identify.identify_tracklist(without_token, mix)
            (unknown,) = await discoveries(without_token, mix)
        assert (unknown.state, unknown.sources_asked) == ("unmatched", ["library", "musicbrainz"])
        assert outcome.retry_rows == ()  # MusicBrainz answered: nothing to try again
        assert discogs.requests == []

        async with opened(load_settings({**env, "DISCOGS_TOKEN": "t0ken"})) as with_token:
            await identify.identify_tracklist(with_token, mix)
            (found,) = await discoveries(with_token, mix)
            async with with_token.sessions() as session:
                track = await session.get_one(LibraryTrack, found.library_track_id)
    finally:
        discogs.close()
    assert (found.state, found.method) == ("matched", "discogs")
    assert found.sources_asked == ["library", "musicbrainz", "discogs"]
    assert (track.artists, track.title, track.label) == ("Burial", "Archangel", "Hyperdub")
    assert track.external_ids == {"discogs_release": "3001"}
    assert track.release_date is not None and track.release_date.isoformat() == "2007-11-05"
    assert count(database_url, "library_tracks") == 1


async def test_a_refused_discogs_token_is_said_and_discogs_is_left_out_until_fixed(
    identify_env: dict[str, str], identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    discogs = dg.FakeDiscogs()
    discogs.route("/database/search", unauthorized())
    env = {**identify_env, "DISCOGS_BASE_URL": discogs.url, "DISCOGS_TOKEN": "expired"}
    row = ParsedTrack(position=1, artist="Burial", title="Archangel")
    try:
        async with opened(load_settings(env)) as resources:
            mix = await stored_mix(resources.sessions, "8def", row)
            first = await identify.identify_tracklist(resources, mix)
            again = await identify.identify_tracklist(resources, mix)
            (unknown,) = await discoveries(resources, mix)
    finally:
        discogs.close()
    assert "Discogs token refused: set a valid DISCOGS_TOKEN" in first.notice
    assert again.notice == first.notice
    assert (first.retry_rows, again.retry_rows) == ((), ())  # no retry fixes a token
    assert unknown.state == "unmatched"
    assert unknown.sources_asked == ["library", "musicbrainz"]
    assert len(discogs.requests) == 1  # the refusal is remembered: never asked again


async def test_one_recording_listed_twice_is_no_close_runner_up(
    identify_resources: Resources, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    # MusicBrainz lists the album and the single track of one recording as two recordings.
    album = mb.recording("Copy Copy", [mb.credit("Moderat")], releases=[mb.release("III")])
    single = mb.recording("Copy Copy", [mb.credit("Moderat")], score=97)
    identify_musicbrainz.search(lucene_query("Moderat", "Copy Copy"), [album, single])
    mix = await stored_mix(identify_resources.sessions, "9abc", COPY_COPY)

    await identify.identify_tracklist(identify_resources, mix)

    (row,) = await discoveries(identify_resources, mix)
    assert (row.state, len(row.candidates)) == ("matched", 1)
    assert row.candidates[0]["musicbrainz_recording_id"] == album["id"]


async def test_positions_the_tracklist_lacks_are_refused_and_nothing_is_queued(
    identify_resources: Resources, identify_musicbrainz: mb.FakeMusicBrainz
) -> None:
    mix = await stored_mix(
        identify_resources.sessions, "4abc", COPY_COPY, PLAYED_WITH, KERALA_REMIX
    )

    with pytest.raises(InputError) as refused:
        await identify.start_identify(identify_resources, mix, positions=[2, 7])

    assert refused.value.field == "positions"
    assert "position 7" in str(refused.value)
    pattern = identify_resources.settings.channel("*library*")
    queued = await asyncio.to_thread(identify_resources.jobs.broker.client.keys, pattern)
    assert queued == []


def test_the_progress_line_names_what_waits_and_what_a_person_must_fix() -> None:
    progress = identify.Progress(
        job_id="j",
        tracklist_id=1,
        version=1,
        total=22,
        done=14,
        waiting=3,
        waiting_for=("MusicBrainz",),
        notice="Discogs: Discogs token refused: set a valid DISCOGS_TOKEN",
    )

    assert progress.text == (
        "14 / 22 rows, 3 waiting for MusicBrainz;"
        " Discogs: Discogs token refused: set a valid DISCOGS_TOKEN"
    )
    assert not progress.finished
    assert progress.to_json()["notice"] == progress.notice
