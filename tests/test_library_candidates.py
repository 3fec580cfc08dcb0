"""The library stage of identification: candidates by the words of the row's title or artist,
found by index however many tracks share a common word."""

from __future__ import annotations

import psycopg

from domain.db import Sessions
from domain.library.facts import comparison_key
from domain.library.identify import library_candidates
from domain.library.reading import read_row
from domain.library.store import dedupe_key, upsert_track
from tests.library_data import facts


def many_tracks(database_url: str, count: int) -> None:
    """`count` tracks titled "Love Number N" by other artists (as a large library has)."""
    rows = []
    for n in range(count):
        row = read_row(f"Producer {n}", f"Love Number {n}")
        assert row is not None
        rows.append(
            (row.artists, [row.artists], row.title, row.title_base, dedupe_key(row),
             comparison_key(row.artists), comparison_key(row.title))
        )  # fmt: skip
    with psycopg.connect(database_url) as conn:
        conn.cursor().executemany(
            "INSERT INTO library_tracks (artists, primary_artists, title, title_base,"
            " dedupe_key, artists_key, title_key) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


async def test_a_track_is_found_among_many_sharing_a_word(
    sessions: Sessions, database_url: str
) -> None:
    many_tracks(database_url, 500)
    wanted = await upsert_track(sessions, facts("Róisín Murphy", "Love"))
    # A row that is not the stored recording (another version), so no exact key finds it; its
    # one title word is in 501 tracks, more than the prefilter hands RapidFuzz.
    row = read_row("ROISIN MURPHY", "Love (Crooked Man Remix)")
    assert row is not None

    found = await library_candidates(sessions, row)

    assert found[0].library_track_id == wanted


async def test_the_artists_other_tracks_are_candidates_too(sessions: Sessions) -> None:
    strobe = await upsert_track(sessions, facts("deadmau5", "Strobe"))
    ghosts = await upsert_track(sessions, facts("deadmau5", "Ghosts 'n' Stuff"))
    other = await upsert_track(sessions, facts("Kaskade", "Strobe"))
    row = read_row("deadmau5", "Strobe!")  # a typo of the title: no exact key
    assert row is not None

    found = [f.library_track_id for f in await library_candidates(sessions, row)]

    assert found[0] == strobe
    assert set(found) == {strobe, ghosts, other}


async def test_a_row_without_words_finds_nothing_and_does_not_fail(sessions: Sessions) -> None:
    await upsert_track(sessions, facts("deadmau5", "Strobe"))
    # read_row takes such a row for "ID"; facts made elsewhere (a person's search) may still
    # come without a word.
    assert await library_candidates(sessions, facts("!!!", "???")) == []
