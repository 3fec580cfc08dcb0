"""Searching the collection in the real database: what was typed, ranked by the field it matched,
narrowed by format, year, status, key (any spelling) and BPM (analysed, else the tag's); files
gone from disk left out; nothing to search is a message, a bad filter an error naming its field;
and `crateloop collection search` over the same."""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import crateloop
from domain.collection import store
from domain.collection.search import RANK_BLOCK, SearchFilter, search_files, search_filter
from domain.db import Sessions
from domain.resources import Resources
from domain.validation import InputError
from tests.test_collection_store import _record


@pytest.fixture
async def stored(resources: Resources, database_url: str) -> Sessions:
    """Five files, two of them analysed, one gone from disk."""
    await store.save_files(
        resources.sessions,
        [
            _record("a.mp3", artist="Röyksopp", title="Eple", year=2001, tag_bpm=Decimal("112")),
            _record("b.mp3", artist="Moderat", title="Bad Kingdom", label="Röyksopp Records",
                    year=2013),
            _record("c.mp3", artist="Bicep", title="Glue", genre="Röyksopp-core", year=2017),
            _record("d.mp3", artist="Röyksopp", title="Poor Leno", year=2001),
            _record("e.mp3", artist="Röyksopp", title="What Else Is There?", year=2005),
        ],
    )  # fmt: skip
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE collection_files SET camelot = '8A', bpm = 124 WHERE path = 'a.mp3'")
        conn.execute("UPDATE collection_files SET camelot = '9B', bpm = 128 WHERE path = 'd.mp3'")
        conn.execute("UPDATE collection_files SET missing = true WHERE path = 'e.mp3'")
        conn.execute("UPDATE collection_files SET format = 'flac' WHERE path = 'd.mp3'")
    return resources.sessions


async def paths(sessions: Sessions, text: str, where: SearchFilter | None = None) -> list[str]:
    found = await search_files(sessions, text, where or SearchFilter())
    return [entry.path for entry in found.page.items]


async def test_ranked_by_the_field_that_matched_and_gone_files_left_out(stored: Sessions) -> None:
    # Title or artist (A) first, then label (B), then genre (C); e.mp3 is missing from disk.
    assert await paths(stored, "royksopp") == ["a.mp3", "d.mp3", "b.mp3", "c.mp3"]
    assert await paths(stored, "roy* -leno") == ["a.mp3", "b.mp3", "c.mp3"]
    assert await paths(stored, '"poor leno"') == ["d.mp3"]
    assert await paths(stored, '"leno poor"') == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ({"key": "Am"}, ["a.mp3"]),  # 8A, as the audio says it
        ({"key": "A minor"}, ["a.mp3"]),
        ({"key": "1m"}, ["a.mp3"]),
        ({"key": "G"}, ["d.mp3"]),  # 9B
        ({"bpm_from": "120", "bpm_to": "126"}, ["a.mp3"]),  # analysed 124, not the tag's 112
        ({"bpm_from": "126"}, ["d.mp3"]),
        ({"year_from": "2000", "year_to": "2002"}, ["a.mp3", "d.mp3"]),
        ({"format": "FLAC"}, ["d.mp3"]),
        ({"status": "failed"}, []),
        ({"format": "", "key": " ", "year_from": ""}, ["a.mp3", "d.mp3", "b.mp3", "c.mp3"]),
    ],
)
async def test_filters_narrow_the_search(
    stored: Sessions, typed: dict[str, str], expected: list[str]
) -> None:
    assert await paths(stored, "royksopp", search_filter(**typed)) == expected


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"format": "ogg"}, "format", "format must be one of mp3, flac, aiff, wav, m4a"),
        ({"key": "H minor"}, "key", "'H minor' is not a key: write e.g. 8A, Am, A minor or 1m"),
        ({"year_from": "twenty"}, "year_from", "year_from must be a number from 1000 to 2999"),
        ({"bpm_to": "nan"}, "bpm_to", "bpm_to must be a number from 1 to 999"),
        ({"bpm_from": "130", "bpm_to": "120"}, "bpm_to", "bpm_to must not be below bpm_from"),
        ({"status": "done"}, "status", "status"),
    ],
)
def test_a_bad_filter_is_refused_naming_its_field(
    typed: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InputError) as refused:
        search_filter(**typed)
    assert refused.value.field == field
    assert message in str(refused.value)


async def test_nothing_to_search_is_a_message_not_an_error(stored: Sessions) -> None:
    for typed in ("", '"( & | !:*', "-remix"):
        found = await search_files(stored, typed)
        assert list(found.page.items) == []
        assert found.query.message


async def test_the_count_stops_at_its_cap(
    stored: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = await search_files(stored, "royksopp", per_page=2)
    assert (found.page.total, found.page.capped, len(found.page.items)) == (4, False, 2)
    with pytest.raises(InputError, match="per_page must be from 1 to 200"):
        await search_files(stored, "royksopp", per_page=201)


def test_the_command_prints_the_lists_shape_best_match_first(
    stored: Sessions, app_env: dict[str, str]
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        crateloop, ["collection", "search", "royksopp", "--json", "--year-to", "2005"],
        env=app_env, catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["path"] for row in rows] == ["a.mp3", "d.mp3"]
    assert (rows[0]["camelot"], rows[0]["bpm"]) == ("8A", 124.0)

    refused = runner.invoke(
        crateloop, ["collection", "search", "x", "--key", "H"], env=app_env, catch_exceptions=False
    )
    assert refused.exit_code == 2
    assert "key: 'H' is not a key" in refused.stderr

    nothing = runner.invoke(
        crateloop, ["collection", "search", "--", "-remix"], env=app_env, catch_exceptions=False
    )
    assert nothing.exit_code == 0
    assert "Add a word to search for" in nothing.stderr


@pytest.fixture
async def broad(resources: Resources, database_url: str) -> Sessions:
    """More matches than a rank block holds: 1,500 files whose label holds "deep", stored first,
    then 30 whose title does, one of those excluded by "-live", and 20 with no "deep" at all."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO collection_files (root, path, size, mtime, content_hash, status, artist,"
            " title, label, search_a, search_b)"
            " SELECT '/m', 'l' || n || '.mp3', 1, 0, md5(n::text), 'completed', 'A' || n,"
            " 'Track ' || n, 'Deep Records', 'track ' || n || ' a' || n, 'deep records'"
            " FROM generate_series(1, 1500) AS n"
        )
        conn.execute(
            "INSERT INTO collection_files (root, path, size, mtime, content_hash, status, artist,"
            " title, search_a)"
            " SELECT '/m', 't' || n || '.mp3', 1, 0, md5('t' || n), 'completed', 'B' || n,"
            " 'Deep ' || CASE WHEN n = 7 THEN 'Live' ELSE 'Cut' END || ' ' || n,"
            " 'deep ' || CASE WHEN n = 7 THEN 'live' ELSE 'cut' END || ' ' || n || ' b' || n"
            " FROM generate_series(1, 30) AS n"
        )
        conn.execute(
            "INSERT INTO collection_files (root, path, size, mtime, content_hash, status, title,"
            " search_a) SELECT '/m', 'n' || n || '.mp3', 1, 0, md5('n' || n), 'completed',"
            " 'Other ' || n, 'other ' || n FROM generate_series(1, 20) AS n"
        )
    return resources.sessions


async def test_a_broad_word_finds_its_title_matches_first_however_many_labels_hold_it(
    broad: Sessions,
) -> None:
    found = await search_files(broad, "deep", per_page=50)
    shown = [entry.path for entry in found.page.items]
    # The 30 titles come first though 1,500 labels were stored before them; then labels.
    assert sorted(shown[:30]) == sorted(f"t{n}.mp3" for n in range(1, 31))
    assert all(path.startswith("l") for path in shown[30:])
    # More matches than one rank block: the count is a lower bound, the end of that block.
    assert (found.page.total, found.page.capped) == (RANK_BLOCK, True)

    excluded = await search_files(broad, "deep -live", per_page=50)
    assert "t7.mp3" not in [entry.path for entry in excluded.page.items]
    assert len([e for e in excluded.page.items if e.path.startswith("t")]) == 29


async def test_paging_through_a_broad_search_shows_every_match_once(broad: Sessions) -> None:
    seen: list[str] = []
    number = 1
    while True:
        found = await search_files(broad, "deep", page=number, per_page=200)
        if found.page.page != number or not found.page.items:
            break
        seen.extend(entry.path for entry in found.page.items)
        number += 1
    assert len(seen) == len(set(seen)) == 1530
    assert found.page.capped is False and found.page.total == 1530
