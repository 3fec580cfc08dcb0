"""Library tracks and discoveries in the real database: one row per recording, idempotent
discoveries, discovery counts by distinct tracklist, and the library's filters and sorts."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import select

from domain.db import Sessions
from domain.library.facts import Version, VersionKind
from domain.library.store import (
    DiscoveryRecord,
    ReleaseFacts,
    TrackFilter,
    TrackNotFound,
    TrackSort,
    get_track,
    list_tracks,
    record_discovery,
    upsert_track,
)
from domain.models import Discovery, DiscoveryMethod, DiscoveryState, TracklistVersion
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.versions import store_import
from tests.library_data import facts

SITE = "https://www.1001tracklists.com"
MB_STROBE = "0b9e1d4a-1111-4c6e-9d0b-6f6d0c4a0001"


OPUS_FOUR_TET = Version(VersionKind.REMIX, ("Four Tet",), "Four Tet Remix")


def count_rows(database_url: str, table: str) -> int:
    with psycopg.connect(database_url) as conn:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


async def get_discoveries(sessions: Sessions, version_id: int) -> list[Discovery]:
    """Every discovery of one tracklist version, in row order."""
    async with sessions() as session:
        found = await session.scalars(
            select(Discovery)
            .where(Discovery.version_id == version_id)
            .order_by(Discovery.row_index)
        )
        return list(found.all())


async def mix(sessions: Sessions, source_id: str, *rows: str) -> tuple[int, int, int]:
    """A tracklist imported with these "Artist - Title" rows: (tracklist id, version id,
    version number) of its current version."""
    tracks = tuple(
        ParsedTrack(position=i, artist=row.split(" - ")[0], title=row.split(" - ")[1])
        for i, row in enumerate(rows, start=1)
    )
    stored = await store_import(
        sessions,
        ParsedTracklist(
            title=f"Mix {source_id}",
            tracks=tracks,
            source_id=source_id,
            url=f"{SITE}/tracklist/{source_id}/x.html",
        ),
        html_sha256=None,
    )
    async with sessions() as session:
        version_id = await session.scalar(
            select(TracklistVersion.id).where(
                TracklistVersion.tracklist_id == stored.tracklist_id,
                TracklistVersion.number == stored.version,
            )
        )
    assert version_id is not None
    return stored.tracklist_id, version_id, stored.version


def matched(
    where: tuple[int, int, int], row_index: int, track_id: int | None, **changes: object
) -> DiscoveryRecord:
    tracklist_id, version_id, number = where
    record = DiscoveryRecord(
        tracklist_id=tracklist_id,
        version_id=version_id,
        version_number=number,
        row_index=row_index,
        position=row_index + 1,
        row_text="deadmau5 - Strobe",
        state=DiscoveryState.MATCHED,
        confidence=0.97,
        method=DiscoveryMethod.MUSICBRAINZ,
        library_track_id=track_id,
        cue_seconds=3850,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


# --- one row per recording -------------------------------------------------------------------


async def test_generic_versions_are_one_track_and_a_remix_another(
    sessions: Sessions, database_url: str
) -> None:
    strobe = await upsert_track(sessions, facts())
    assert await upsert_track(sessions, facts()) == strobe
    original_mix = Version(VersionKind.ORIGINAL, (), "Original Mix")
    assert await upsert_track(sessions, facts("DEADMAU5", "Strobe", original_mix)) == strobe
    opus = await upsert_track(sessions, facts("Eric Prydz", "Opus"))
    remix = await upsert_track(sessions, facts("Eric Prydz", "Opus", OPUS_FOUR_TET))
    assert len({strobe, opus, remix}) == 3
    assert count_rows(database_url, "library_tracks") == 3
    view = await get_track(sessions, remix)
    assert view.facts.version == OPUS_FOUR_TET
    assert view.track.remixers == ["Four Tet"]


async def test_the_musicbrainz_id_comes_first_then_the_isrc(sessions: Sessions) -> None:
    """A database spelling the names differently still joins the track it has the id of."""
    first = await upsert_track(
        sessions, facts(isrc="gb-ewa-08-00001"), {"musicbrainz_recording": MB_STROBE}
    )
    by_id = await upsert_track(
        sessions,
        facts("Joel Zimmerman", "Strobe (Club Edit)"),
        {"musicbrainz_recording": MB_STROBE},
    )
    by_isrc = await upsert_track(sessions, facts("Joel Zimmerman", "Strobe!", isrc="GBEWA0800001"))
    assert by_id == by_isrc == first
    view = await get_track(sessions, first)
    assert view.track.isrc == "GBEWA0800001"
    assert view.track.musicbrainz_recording_id == MB_STROBE


async def test_what_was_not_known_is_filled_in_and_what_was_known_kept(sessions: Sessions) -> None:
    track = await upsert_track(sessions, facts(label="mau5trap"), {"discogs_release": "1"})
    again = await upsert_track(
        sessions,
        facts(label="Ultra"),
        {"discogs_release": "2", "musicbrainz_recording": MB_STROBE},
        ReleaseFacts(genre="Progressive House", release_date=date(2009, 9, 22), bpm=128.0),
    )
    assert again == track
    stored = (await get_track(sessions, track)).track
    assert stored.label == "mau5trap"
    assert stored.external_ids == {"discogs_release": "1", "musicbrainz_recording": MB_STROBE}
    assert (stored.genre, stored.release_date, stored.bpm) == (
        "Progressive House",
        date(2009, 9, 22),
        128.0,
    )


async def test_a_musicbrainz_id_of_another_track_is_not_taken(sessions: Sessions) -> None:
    """The key joins the row to a track, but the id already names another: it stays there."""
    other = await upsert_track(
        sessions, facts("Kaskade", "Strobe"), {"musicbrainz_recording": "m2"}
    )
    mine = await upsert_track(sessions, facts())
    assert await upsert_track(sessions, facts(), {"musicbrainz_recording": "m2"}) == other
    assert (await get_track(sessions, mine)).track.musicbrainz_recording_id is None


async def test_unknown_external_id_kinds_are_refused(sessions: Sessions) -> None:
    with pytest.raises(ValueError, match="tidal"):
        await upsert_track(sessions, facts(), {"tidal": "1"})


async def test_one_new_recording_added_by_many_jobs_at_once_is_one_row(
    sessions: Sessions, database_url: str
) -> None:
    ids = await asyncio.gather(*(upsert_track(sessions, facts()) for _ in range(8)))
    assert len(set(ids)) == 1
    assert count_rows(database_url, "library_tracks") == 1


async def test_non_latin_names_keep_a_key_of_their_own(sessions: Sessions) -> None:
    kino = await upsert_track(sessions, facts("Кино", "Группа крови"))
    assert await upsert_track(sessions, facts("КИНО", "Группа Крови")) == kino
    yoasobi = await upsert_track(sessions, facts("YOASOBI", "夜に駆ける"))
    assert yoasobi != kino
    found = await list_tracks(sessions, TrackFilter(artist="кино"))
    assert [track.id for track in found.items] == [kino]


# --- discoveries -----------------------------------------------------------------------------


async def test_recording_a_discovery_twice_keeps_one(sessions: Sessions, database_url: str) -> None:
    """Dramatiq may deliver a job twice: the second write updates the first."""
    track = await upsert_track(sessions, facts())
    where = await mix(sessions, "m1", "deadmau5 - Strobe", "ID - ID")
    first = await record_discovery(sessions, matched(where, 0, track))
    second = await record_discovery(sessions, matched(where, 0, track, confidence=0.99))
    assert first == second
    assert count_rows(database_url, "discoveries") == 1
    stored = await get_discoveries(sessions, where[1])
    assert [(d.state, d.confidence, d.cue_seconds) for d in stored] == [("matched", 0.99, 3850)]
    assert (await get_track(sessions, track)).track.discovery_count == 1


async def test_the_same_track_in_two_mixes_counts_two_and_a_new_version_still_one(
    sessions: Sessions,
) -> None:
    track = await upsert_track(sessions, facts())
    first = await mix(sessions, "m1", "deadmau5 - Strobe")
    second = await mix(sessions, "m2", "Intro - Song", "deadmau5 - Strobe")
    await record_discovery(sessions, matched(first, 0, track))
    await record_discovery(sessions, matched(second, 1, track))
    assert (await get_track(sessions, track)).track.discovery_count == 2

    # The first mix, re-imported with a row more, is identified again: still one mix.
    changed = await mix(sessions, "m1", "deadmau5 - Strobe", "Kaskade - Angel On My Shoulder")
    assert changed[0] == first[0] and changed[2] == 2
    await record_discovery(sessions, matched(changed, 0, track))
    view = await get_track(sessions, track)
    assert view.track.discovery_count == 2
    assert [(h.tracklist_title, h.version_number, h.position) for h in view.heard_in] == [
        ("Mix m1", 2, 1),
        ("Mix m2", 1, 2),
        ("Mix m1", 1, 1),
    ]


async def test_re_identifying_a_row_as_another_track_moves_the_count(sessions: Sessions) -> None:
    wrong = await upsert_track(sessions, facts("Eric Prydz", "Opus"))
    right = await upsert_track(sessions, facts("Eric Prydz", "Opus", OPUS_FOUR_TET))
    where = await mix(sessions, "m1", "Eric Prydz - Opus (Four Tet Remix)")
    await record_discovery(sessions, matched(where, 0, wrong))
    await record_discovery(sessions, matched(where, 0, right))
    assert (await get_track(sessions, wrong)).track.discovery_count == 0
    assert (await get_track(sessions, right)).track.discovery_count == 1


async def test_concurrent_discoveries_of_one_track_count_every_mix(sessions: Sessions) -> None:
    track = await upsert_track(sessions, facts())
    mixes = [await mix(sessions, f"m{i}", "deadmau5 - Strobe") for i in range(6)]
    await asyncio.gather(*(record_discovery(sessions, matched(m, 0, track)) for m in mixes))
    assert (await get_track(sessions, track)).track.discovery_count == 6


async def test_a_persons_decision_is_not_undone_by_the_machine(sessions: Sessions) -> None:
    track = await upsert_track(sessions, facts())
    where = await mix(sessions, "m1", "deadmau5 - Strobe")
    await record_discovery(sessions, matched(where, 0, track, method=DiscoveryMethod.MANUAL))
    again = matched(where, 0, None, state=DiscoveryState.UNMATCHED, confidence=0.0)
    await record_discovery(sessions, again)
    [kept] = await get_discoveries(sessions, where[1])
    assert (kept.state, kept.method, kept.library_track_id) == ("matched", "manual", track)
    assert (await get_track(sessions, track)).track.discovery_count == 1


async def test_a_matched_discovery_without_a_track_is_refused(sessions: Sessions) -> None:
    where = await mix(sessions, "m1", "deadmau5 - Strobe")
    with pytest.raises(ValueError, match="library track"):
        await record_discovery(sessions, matched(where, 0, None))


async def test_the_review_fields_are_kept(sessions: Sessions) -> None:
    where = await mix(sessions, "m1", "Eric Prydz - Opus (Four Tet Remix)")
    candidate = {"musicbrainz_recording_id": "x", "artist": "Eric Prydz", "title": "Opus"}
    await record_discovery(
        sessions,
        matched(
            where,
            0,
            None,
            state=DiscoveryState.PROVISIONAL,
            confidence=0.6,
            differences={"version": {"penalty": 1.0, "reason": "Four Tet Remix vs original"}},
            candidates=[candidate],
            sources_asked=["library", "musicbrainz"],
        ),
    )
    [stored] = await get_discoveries(sessions, where[1])
    assert stored.candidates == [candidate]
    assert stored.differences["version"] == {"penalty": 1.0, "reason": "Four Tet Remix vs original"}
    assert stored.sources_asked == ["library", "musicbrainz"]


# --- reading -------------------------------------------------------------------------------------


async def test_get_track_of_no_track(sessions: Sessions) -> None:
    with pytest.raises(TrackNotFound):
        await get_track(sessions, 404)


async def test_the_library_filters_sorts_and_pages(sessions: Sessions) -> None:
    strobe = await upsert_track(sessions, facts(label="mau5trap"), {}, ReleaseFacts(genre="House"))
    opus = await upsert_track(
        sessions, facts("Eric Prydz", "Opus", label="Virgin"), {}, ReleaseFacts(genre="Techno")
    )
    remix = await upsert_track(
        sessions, facts("Eric Prydz", "Opus", OPUS_FOUR_TET, label="Virgin"), {}
    )
    mixes = [await mix(sessions, f"m{i}", "Eric Prydz - Opus") for i in range(3)]
    for m in mixes:
        await record_discovery(sessions, matched(m, 0, opus))
    await record_discovery(sessions, matched(mixes[0], 1, strobe, position=2))

    def ids(page: object) -> list[int]:
        return [track.id for track in page.items]  # type: ignore[attr-defined]

    assert ids(await list_tracks(sessions)) == [opus, strobe, remix]  # most supported first
    assert ids(await list_tracks(sessions, sort=TrackSort.TITLE)) == [opus, remix, strobe]
    assert ids(await list_tracks(sessions, sort=TrackSort.LAST_SEEN))[-1] == remix
    assert ids(await list_tracks(sessions, TrackFilter(artist="PRYDZ"))) == [opus, remix]
    assert ids(await list_tracks(sessions, TrackFilter(title="four tet"))) == [remix]
    assert ids(await list_tracks(sessions, TrackFilter(label="virgin"))) == [opus, remix]
    assert ids(await list_tracks(sessions, TrackFilter(genre="house"))) == [strobe]
    assert ids(await list_tracks(sessions, TrackFilter(min_mixes=2))) == [opus]
    assert ids(await list_tracks(sessions, TrackFilter(title="100%_"))) == []  # LIKE escaped
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert ids(await list_tracks(sessions, TrackFilter(discovered_after=tomorrow))) == []
    assert (
        len((await list_tracks(sessions, TrackFilter(discovered_after=date(2020, 1, 1)))).items)
        == 3
    )

    second = await list_tracks(sessions, page=2, per_page=2)
    assert (ids(second), second.total, second.pages) == ([remix], 3, 2)
    past = await list_tracks(sessions, page=99, per_page=2)
    assert (past.page, ids(past)) == (2, [remix])
