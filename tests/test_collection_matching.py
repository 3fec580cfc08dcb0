"""Collection files matched to library tracks with the library's scorer, on the real database
and Redis with real tagged audio files: only strong matches link, the rest wait for a person,
a person's answer stays, wanted tracks move to in_library by themselves, and a pass run twice
changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from domain.collection import matching
from domain.collection.file_review import (
    FileMatchNotFound,
    accept_file,
    file_review_queue,
    reject_file,
)
from domain.collection.scan import scan_collection
from domain.config import CollectionSettings
from domain.library import statistics
from domain.library.facts import Version, VersionKind
from domain.library.statistics import Period, Statistics
from domain.library.store import upsert_track
from domain.library.wants import add_want, get_want
from domain.models import WantStatus
from domain.resources import Resources, opened
from tests.library_data import Library, facts
from tests.media import make_audio, tag
from tests.test_want_list import make_user

CLUB = Version(VersionKind.ORIGINAL, (), "Club Mix")


@pytest.fixture
async def own(resources: Resources, tmp_path: Path) -> AsyncIterator[Resources]:
    music = (tmp_path / "music").resolve()
    music.mkdir()
    settings = replace(
        resources.settings, collection=CollectionSettings(music_paths=(music,), scan_minutes=15)
    )
    async with opened(settings) as scoped:
        yield scoped


def music(own: Resources) -> Path:
    return own.settings.collection.music_paths[0]


async def scanned(own: Resources, name: str, **tags: str) -> int:
    """A real tagged MP3 under MUSIC_PATH, scanned; its collection file id."""
    path = tag(make_audio(music(own) / name), **tags)
    await scan_collection(own.sessions, own.settings)
    with psycopg.connect(own.settings.psycopg_url) as conn:
        row = conn.execute(
            "SELECT id FROM collection_files WHERE path = %s", (path.name,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def link_of(own: Resources, file_id: int) -> int | None:
    with psycopg.connect(own.settings.psycopg_url) as conn:
        row = conn.execute(
            "SELECT library_track_id FROM collection_files WHERE id = %s", (file_id,)
        ).fetchone()
    assert row is not None
    return row[0]


def match_row(own: Resources, file_id: int) -> tuple[object, ...]:
    with psycopg.connect(own.settings.psycopg_url) as conn:
        row = conn.execute(
            "SELECT state, by_person, library_track_id, rejected_track_ids, updated_at"
            " FROM collection_matches WHERE collection_file_id = %s",
            (file_id,),
        ).fetchone()
    assert row is not None
    return tuple(row)


async def test_a_scanned_file_links_its_track_and_the_want_moves_to_in_library(
    own: Resources,
) -> None:
    track = await upsert_track(own.sessions, facts("deadmau5", "Strobe", label="mau5trap"))
    user = make_user(own.settings.psycopg_url)
    want_id = await add_want(own.sessions, user, track)
    before = await get_want(own.sessions, user, want_id)
    file_id = await scanned(own, "strobe.mp3", artist="deadmau5", title="Strobe (Original Mix)",
                            label="mau5trap")  # fmt: skip

    assert await matching.stale_files(own.sessions) == [file_id]
    done = await matching.match_files(own.sessions, [file_id])

    assert (done.linked, done.wants_moved) == (1, 1)
    assert link_of(own, file_id) == track
    moved = await get_want(own.sessions, user, want_id)
    assert moved.status is WantStatus.IN_LIBRARY
    assert moved.status_changed_at > before.status_changed_at
    with psycopg.connect(own.settings.psycopg_url) as conn:
        linked = conn.execute(
            "SELECT collection_file_id FROM want_list WHERE id = %s", (want_id,)
        ).fetchone()
    assert linked == (file_id,)


async def test_matching_twice_changes_nothing(own: Resources) -> None:
    """A redelivered job (or the next scan) adds nothing twice and rewrites nothing."""
    track = await upsert_track(own.sessions, facts("Bicep", "Glue"))
    user = make_user(own.settings.psycopg_url)
    want_id = await add_want(own.sessions, user, track)
    file_id = await scanned(own, "glue.mp3", artist="Bicep", title="Glue")
    await matching.match_files(own.sessions, [file_id])
    first = match_row(own, file_id)
    moved_at = (await get_want(own.sessions, user, want_id)).status_changed_at

    again = await matching.match_files(own.sessions, [file_id])

    assert again == matching.Matched(unchanged=1)
    assert match_row(own, file_id) == first
    assert (await get_want(own.sessions, user, want_id)).status_changed_at == moved_at
    assert await matching.stale_files(own.sessions) == []


async def test_an_ambiguous_file_goes_to_review_not_linked(own: Resources) -> None:
    track = await upsert_track(own.sessions, facts("deadmau5", "Strobe"))
    user = make_user(own.settings.psycopg_url)
    want_id = await add_want(own.sessions, user, track)
    file_id = await scanned(own, "club.mp3", artist="deadmau5", title="Strobe (Club Mix)")

    done = await matching.match_files(own.sessions, [file_id])

    assert (done.linked, done.review) == (0, 1)
    assert link_of(own, file_id) is None
    assert (await get_want(own.sessions, user, want_id)).status is WantStatus.WANTED
    queue = await file_review_queue(own.sessions)
    assert [row.file.id for row in queue.items] == [file_id]
    row = queue.items[0]
    assert row.match.library_track_id == track
    assert row.match.candidates[0]["penalties"]["version"] > 0  # the differing field, marked
    assert any("version" in reason for reason in row.reasons)


async def test_accepting_links_the_file_and_no_pass_undoes_it(own: Resources) -> None:
    track = await upsert_track(own.sessions, facts("deadmau5", "Strobe"))
    user = make_user(own.settings.psycopg_url)
    want_id = await add_want(own.sessions, user, track)
    file_id = await scanned(own, "club.mp3", artist="deadmau5", title="Strobe (Club Mix)")
    await matching.match_files(own.sessions, [file_id])

    assert await accept_file(own.sessions, file_id) == track

    assert link_of(own, file_id) == track
    assert (await get_want(own.sessions, user, want_id)).status is WantStatus.IN_LIBRARY
    decided = match_row(own, file_id)
    assert decided[:3] == ("matched", True, track)
    # A closer track appearing later does not move a person's link.
    await upsert_track(own.sessions, facts("deadmau5", "Strobe", CLUB))
    await matching.match_library_changes(own)
    await matching.match_files(own.sessions, [file_id])
    assert link_of(own, file_id) == track
    assert match_row(own, file_id) == decided
    with pytest.raises(FileMatchNotFound, match=f"no collection file {file_id} waits"):
        await accept_file(own.sessions, file_id)


async def test_a_rejected_match_is_never_linked_again(own: Resources) -> None:
    track = await upsert_track(own.sessions, facts("deadmau5", "Strobe"))
    file_id = await scanned(own, "club.mp3", artist="deadmau5", title="Strobe (Club Mix)")
    await matching.match_files(own.sessions, [file_id])

    await reject_file(own.sessions, file_id)

    assert match_row(own, file_id)[:4] == ("rejected", False, None, [track])
    # The track changes (a new label): automatic passes look at the file again, and skip it.
    await upsert_track(own.sessions, facts("deadmau5", "Strobe", label="mau5trap"))
    await matching.match_library_changes(own)
    await matching.match_files(own.sessions, [file_id])
    assert link_of(own, file_id) is None
    state, _, suggested, rejected, _ = match_row(own, file_id)
    assert (state, suggested, rejected) == ("unmatched", None, [track])
    assert (await file_review_queue(own.sessions)).total == 0


async def test_a_new_library_track_links_the_files_it_is(own: Resources) -> None:
    """Identification makes a track after the file was scanned: the changed tracks' pass finds
    the file by its words and links it, once."""
    file_id = await scanned(own, "apricots.mp3", artist="Bicep", title="Apricots")
    other = await scanned(own, "other.mp3", artist="Floating Points", title="Silhouettes")
    first = await matching.match_files(own.sessions, [file_id, other])
    assert first.unmatched == 2

    track = await upsert_track(own.sessions, facts("Bicep", "Apricots"))
    done, _ = await matching.match_library_changes(own)

    assert done.linked == 1
    assert link_of(own, file_id) == track
    assert link_of(own, other) is None
    assert (await matching.match_library_changes(own))[0].linked == 0


async def test_a_file_without_artist_and_title_is_unmatched(own: Resources) -> None:
    await upsert_track(own.sessions, facts("Bicep", "Glue"))
    file_id = await scanned(own, "untagged.mp3")
    done = await matching.match_files(own.sessions, [file_id])
    assert done.unmatched == 1
    assert match_row(own, file_id)[:3] == ("unmatched", False, None)


async def test_an_isrc_tag_matches_the_track_holding_it(own: Resources) -> None:
    track = await upsert_track(
        own.sessions, facts("Fred again..", "Delilah (pull me out of this)", isrc="GBAHT2200001")
    )
    file_id = await scanned(
        own, "delilah.mp3", artist="Fred again..", title="Delilah", isrc="GB-AHT-22-00001"
    )
    await matching.match_files(own.sessions, [file_id])
    assert link_of(own, file_id) == track


async def test_discovery_statistics_count_the_discovered_tracks_now_owned(
    own: Resources, database_url: str
) -> None:
    library = Library(own.sessions, database_url, datetime.now(UTC))
    strobe = await library.track("deadmau5", "Strobe", "mau5trap", "Progressive House")
    opus = await library.track("Eric Prydz", "Opus", "Virgin", "Progressive House")
    await library.track("Bicep", "Glue", "Ninja Tune", "Breaks")  # never discovered
    await library.mix([strobe, opus], days_ago=1)
    await statistics.refresh(own.sessions)  # the snapshots, kept
    before = await statistics.snapshot(own.sessions, Period.DAILY)
    assert (before.statistics.owned, before.statistics.owned_rate) == (0, 0.0)

    file_id = await scanned(own, "strobe.mp3", artist="deadmau5", title="Strobe", label="mau5trap")
    glue = await scanned(own, "glue.mp3", artist="Bicep", title="Glue")
    await matching.match_files(own.sessions, [file_id, glue])
    assert link_of(own, glue) is not None  # owned, but never discovered: not counted

    assert (await statistics.snapshot(own.sessions, Period.DAILY)).stale  # a link is a change
    figures = await statistics.compute(own.sessions, Period.DAILY)
    assert (figures.tracks, figures.owned, figures.owned_rate) == (2, 1, 0.5)
    assert figures.to_json()["owned_rate"] == 0.5
    assert Statistics.from_json(figures.to_json()) == figures
