"""Tracklists in the database: imports as versions, unchanged re-imports, history, search."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import psycopg
import pytest

from domain.db import Sessions
from domain.tracklists.diff import RowChangeKind, diff_tracklists
from domain.tracklists.model import ID, Link, ParsedTrack, ParsedTracklist
from domain.tracklists.store import (
    TracklistFilter,
    TracklistNotFound,
    filter_choices,
    find_tracklist,
    get_tracklist,
    search_tracklists,
    version_diff,
)
from domain.tracklists.versions import store_import

SITE = "https://www.1001tracklists.com"
HASH_1 = "a" * 64
HASH_2 = "b" * 64


def tracks(n: int = 3, *, cue_step: int = 300) -> tuple[ParsedTrack, ...]:
    return tuple(
        ParsedTrack(
            position=i,
            cue_seconds=(i - 1) * cue_step,
            artist=f"Artist {i}",
            title=f"Title {i}",
            label=f"LABEL {i}",
            url=f"{SITE}/track/t{i}/index.html",
        )
        for i in range(1, n + 1)
    )


def page(
    source_id: str = "2k3l4m9",
    *,
    title: str = "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21",
    djs: tuple[str, ...] = ("ARTBAT",),
    source: str | None = "Tomorrowland",
    day: date | None = date(2023, 7, 21),
    genres: tuple[str, ...] = ("Techno", "Melodic Techno"),
    rows: tuple[ParsedTrack, ...] | None = None,
) -> ParsedTracklist:
    rows = tracks() if rows is None else rows
    return ParsedTracklist(
        title=title,
        tracks=rows,
        source_id=source_id,
        url=f"{SITE}/tracklist/{source_id}/some-slug.html",
        djs=djs,
        source=source,
        date=day,
        genres=genres,
        claimed_track_count=len(rows),
        dj_links=tuple(Link(dj, f"{SITE}/dj/{dj.lower()}/index.html") for dj in djs),
        source_links=(Link(source, f"{SITE}/source/x1/{source.lower()}/index.html"),)
        if source
        else (),
    )


def fetch_all(database_url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(query).fetchall()


async def test_a_first_import_is_version_1(sessions: Sessions, database_url: str) -> None:
    parsed = page()
    result = await store_import(sessions, parsed, html_sha256=HASH_1)
    assert (result.version, result.created, result.changed) == (1, True, True)

    detail = await get_tracklist(sessions, result.tracklist_id)
    assert detail.content == parsed  # metadata and every row, as parsed
    assert detail.content.dj_links == parsed.dj_links
    assert detail.content.source_links == parsed.source_links
    assert [row.track for row in detail.rows] == list(parsed.tracks)
    assert [row.index for row in detail.rows] == [0, 1, 2]
    assert detail.version is not None
    assert (detail.version.number, detail.version.origin) == (1, "import")
    assert (detail.version.summary, detail.version.html_sha256) == ("first import", HASH_1)
    summary = detail.summary
    assert summary.djs == ("ARTBAT",)
    assert summary.source == "Tomorrowland"
    assert summary.genres == ("Techno", "Melodic Techno")
    assert (summary.track_count, summary.version, summary.has_draft) == (3, 1, False)
    assert summary.source_id == "2k3l4m9"
    assert summary.checked_at is not None
    assert await find_tracklist(sessions, source_id="2k3l4m9") == result.tracklist_id
    assert await find_tracklist(sessions, url=parsed.url) == result.tracklist_id
    assert await find_tracklist(sessions, source_id="nope") is None
    # The DJ and the source are kept once, with their pages.
    assert fetch_all(database_url, "SELECT name, url FROM djs") == [
        ("ARTBAT", f"{SITE}/dj/artbat/index.html")
    ]
    assert fetch_all(database_url, "SELECT name FROM sources") == [("Tomorrowland",)]


async def test_an_unchanged_reimport_only_updates_checked_at(
    sessions: Sessions, database_url: str
) -> None:
    first = await store_import(sessions, page(), html_sha256=HASH_1)
    before = await get_tracklist(sessions, first.tracklist_id)

    # Same content, a different page around it (ads...): a different hash.
    again = await store_import(sessions, page(), html_sha256=HASH_2)
    assert (again.tracklist_id, again.version, again.created, again.changed) == (
        first.tracklist_id,
        1,
        False,
        False,
    )
    assert again.summary == "unchanged since version 1"
    after = await get_tracklist(sessions, first.tracklist_id)
    assert len(after.versions) == 1
    assert after.summary.checked_at is not None and before.summary.checked_at is not None
    assert after.summary.checked_at > before.summary.checked_at
    assert after.summary.updated_at == before.summary.updated_at
    # The version keeps the hash of the page it was made from; the tracklist the latest one.
    assert after.version is not None and after.version.html_sha256 == HASH_1
    assert fetch_all(database_url, "SELECT checked_sha256 FROM tracklists") == [(HASH_2,)]


async def test_a_changed_reimport_makes_version_2_and_keeps_history(sessions: Sessions) -> None:
    first = await store_import(sessions, page(), html_sha256=HASH_1)
    old_rows = tracks()
    new_rows = (
        dataclasses.replace(old_rows[0], cue_seconds=15),  # cue fixed
        dataclasses.replace(old_rows[1], label="NEW LABEL"),  # label corrected
        old_rows[2],
        ParsedTrack(position=4, cue_seconds=1200, artist="Anyma", title="Eternity"),
    )
    changed = page(title="ARTBAT @ Tomorrowland 2023 (Mainstage)", rows=new_rows)
    second = await store_import(sessions, changed, html_sha256=HASH_2)
    assert (second.tracklist_id, second.version, second.created, second.changed) == (
        first.tracklist_id,
        2,
        False,
        True,
    )
    assert second.summary == "2 rows changed, 1 added, title changed, track count changed"

    detail = await get_tracklist(sessions, first.tracklist_id)
    assert detail.content == changed
    assert [v.number for v in detail.versions] == [2, 1]
    assert detail.versions[0].summary == second.summary
    assert detail.versions[0].html_sha256 == HASH_2
    assert detail.summary.title == "ARTBAT @ Tomorrowland 2023 (Mainstage)"
    assert detail.summary.track_count == 4

    # History: version 1 is still there, as it was.
    old = await get_tracklist(sessions, first.tracklist_id, version=1)
    assert old.content == page()
    assert old.version is not None and old.version.number == 1

    diff = await version_diff(sessions, first.tracklist_id, 2)
    assert (diff.old_number, diff.new_number) == (1, 2)
    kinds = [(row.kind, row.old_index, row.new_index, row.fields) for row in diff.rows]
    assert kinds == [
        (RowChangeKind.CHANGED, 0, 0, ("cue_seconds",)),
        (RowChangeKind.CHANGED, 1, 1, ("label",)),
        (RowChangeKind.SAME, 2, 2, ()),
        (RowChangeKind.ADDED, None, 3, ()),
    ]
    assert [(m.field, m.old, m.new) for m in diff.metadata] == [
        (
            "title",
            "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21",
            "ARTBAT @ Tomorrowland 2023 (Mainstage)",
        ),
        ("claimed_track_count", "3", "4"),
    ]
    first_diff = await version_diff(sessions, first.tracklist_id, 1)
    assert [row.kind for row in first_diff.rows] == [RowChangeKind.ADDED] * 3
    with pytest.raises(TracklistNotFound, match="has no version 3"):
        await version_diff(sessions, first.tracklist_id, 3)
    with pytest.raises(TracklistNotFound, match="has no version 7"):
        await get_tracklist(sessions, first.tracklist_id, version=7)
    with pytest.raises(TracklistNotFound, match="no tracklist with id 999"):
        await get_tracklist(sessions, 999)


async def test_two_imports_of_one_page_at_once_make_one_tracklist(sessions: Sessions) -> None:
    results = await asyncio.gather(
        *(store_import(sessions, page(), html_sha256=HASH_1) for _ in range(3))
    )
    assert {r.tracklist_id for r in results} == {results[0].tracklist_id}
    assert sorted(r.created for r in results) == [False, False, True]
    assert {r.version for r in results} == {1}
    listed = await search_tracklists(sessions, TracklistFilter())
    assert listed.total == 1


async def test_duplicate_positions_and_backwards_cues_are_kept_and_flagged(
    sessions: Sessions,
) -> None:
    rows = (
        ParsedTrack(position=1, cue_seconds=0, artist="A", title="One"),
        ParsedTrack(position=2, cue_seconds=600, artist="B", title="Two"),
        ParsedTrack(position=2, cue_seconds=300, artist="C", title="Three"),
        ParsedTrack(position=None, with_previous=True, artist="D", title="Acapella"),
        ParsedTrack(position=3, cue_seconds=900, artist=ID, title=ID, is_id=True),
    )
    result = await store_import(sessions, page(rows=rows), html_sha256=HASH_1)
    detail = await get_tracklist(sessions, result.tracklist_id)
    assert [row.track for row in detail.rows] == list(rows)
    assert [row.warnings for row in detail.rows] == [
        (),
        (),
        ("cue 5:00 is before an earlier row's 10:00", "position 2 appears more than once"),
        (),
        (),
    ]


async def test_script_in_names_is_kept_verbatim(sessions: Sessions) -> None:
    evil = "<script>alert('x')</script>"
    rows = (ParsedTrack(position=1, artist=evil, title=f"Title {evil}", label="<b>L</b>"),)
    parsed = page(title=f"Set {evil}", djs=(f"DJ {evil}",), rows=rows)
    result = await store_import(sessions, parsed, html_sha256=HASH_1)
    detail = await get_tracklist(sessions, result.tracklist_id)
    assert detail.content.title == f"Set {evil}"
    assert detail.summary.djs == (f"DJ {evil}",)
    assert detail.rows[0].track.artist == evil
    assert detail.rows[0].track.label == "<b>L</b>"
    found = await search_tracklists(sessions, TracklistFilter(text="script"))
    assert [item.id for item in found.items] == [result.tracklist_id]


async def test_search_and_filters(sessions: Sessions) -> None:
    artbat = await store_import(sessions, page("t1"), html_sha256=HASH_1)
    anyma = await store_import(
        sessions,
        page(
            "t2",
            title="Anyma presents Genesys",
            djs=("Anyma", "Chris Avantgarde"),
            source="Sphere Las Vegas",
            day=date(2024, 1, 6),
            genres=("Melodic Techno",),
        ),
        html_sha256=HASH_1,
    )
    boiler = await store_import(
        sessions,
        page(
            "t3",
            title="Café del Mar Sunset Session",
            djs=("José Padilla",),
            source=None,
            day=None,
            genres=("Chillout",),
        ),
        html_sha256=HASH_1,
    )

    async def ids(**where: object) -> list[int]:
        found = await search_tracklists(sessions, TracklistFilter(**where))  # type: ignore[arg-type]
        assert found.total == len(found.items)
        return [item.id for item in found.items]

    everything = await ids()
    # Newest set date first; no date last.
    assert everything == [anyma.tracklist_id, artbat.tracklist_id, boiler.tracklist_id]
    assert await ids(text="genesys") == [anyma.tracklist_id]
    assert await ids(text="avant") == [anyma.tracklist_id]  # a DJ, by the start of a word
    assert await ids(text="sphere vegas") == [anyma.tracklist_id]  # the source
    assert await ids(text="tomorrowland artbat") == [artbat.tracklist_id]
    assert await ids(text="café") == [boiler.tracklist_id]
    assert await ids(text="nothing like it") == []
    assert await ids(text="  ") == everything
    assert await ids(dj="chris avantgarde") == [anyma.tracklist_id]
    assert await ids(dj="ARTBAT") == [artbat.tracklist_id]
    assert await ids(dj="Nobody") == []
    assert await ids(genre="melodic techno") == [anyma.tracklist_id, artbat.tracklist_id]
    assert await ids(genre="Chillout") == [boiler.tracklist_id]
    assert await ids(date_from=date(2023, 7, 21)) == [anyma.tracklist_id, artbat.tracklist_id]
    assert await ids(date_from=date(2023, 7, 22)) == [anyma.tracklist_id]
    assert await ids(date_to=date(2023, 12, 31)) == [artbat.tracklist_id]
    assert await ids(
        genre="Melodic Techno", date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)
    ) == [artbat.tracklist_id]

    second_page = await search_tracklists(sessions, TracklistFilter(), page=2, per_page=2)
    assert (second_page.total, second_page.pages) == (3, 2)
    assert [item.id for item in second_page.items] == [boiler.tracklist_id]

    djs, genres = await filter_choices(sessions)
    assert djs == ["ARTBAT", "Anyma", "Chris Avantgarde", "José Padilla"]
    assert genres == ["Chillout", "Melodic Techno", "Techno"]


async def test_a_dj_known_by_name_gets_the_page_once_seen(
    sessions: Sessions, database_url: str
) -> None:
    plain = dataclasses.replace(page("t1"), dj_links=(), source_links=())
    await store_import(sessions, plain, html_sha256=HASH_1)
    assert fetch_all(database_url, "SELECT name, url FROM djs") == [("ARTBAT", None)]
    await store_import(sessions, page("t2"), html_sha256=HASH_1)
    assert fetch_all(database_url, "SELECT name, url FROM djs") == [
        ("ARTBAT", f"{SITE}/dj/artbat/index.html")
    ]
    # Another DJ of the same name with another page is another DJ.
    other = dataclasses.replace(
        page("t3"), dj_links=(Link("ARTBAT", f"{SITE}/dj/artbat-2/index.html"),)
    )
    await store_import(sessions, other, html_sha256=HASH_1)
    assert len(fetch_all(database_url, "SELECT id FROM djs")) == 2
    djs, _ = await filter_choices(sessions)
    assert djs == ["ARTBAT"]


def test_a_row_moved_elsewhere_is_one_moved_row_in_the_diff() -> None:
    old = page(rows=tracks(5))
    moved = list(tracks(5))
    last = moved.pop()
    moved.insert(1, last)  # Artist 5 played second
    renumbered = tuple(dataclasses.replace(t, position=i) for i, t in enumerate(moved, 1))
    diff = diff_tracklists(old, page(rows=renumbered))
    # The rows after it were renumbered: that follows from the move, it is not a change.
    assert [(r.kind.value, r.old_index, r.new_index, r.fields) for r in diff.rows] == [
        ("same", 0, 0, ()),
        ("moved", 4, 1, ()),
        ("same", 1, 2, ()),
        ("same", 2, 3, ()),
        ("same", 3, 4, ()),
    ]
    assert diff.rows[1].new is not None and diff.rows[1].new.artist == "Artist 5"
    assert diff.summary == "1 row moved"
    # A number typed out of order is a change.
    typed = list(renumbered)
    typed[2] = dataclasses.replace(typed[2], position=9)
    assert diff_tracklists(page(rows=renumbered), page(rows=tuple(typed))).rows[2].fields == (
        "position",
    )
    assert diff.count(RowChangeKind.ADDED) == diff.count(RowChangeKind.REMOVED) == 0


def test_diff_aligns_moved_cues_inserted_and_removed_rows() -> None:
    old = page(rows=tracks(6))
    rows = list(tracks(6))
    rows[1] = dataclasses.replace(rows[1], cue_seconds=rows[1].cue_seconds + 30)  # type: ignore[operator]
    rows.insert(3, ParsedTrack(position=None, with_previous=True, artist="W", title="Vocal"))
    del rows[5]  # old row 4 (Artist 5)
    rows[-1] = dataclasses.replace(rows[-1], artist="Artist 6 ft. Guest")
    diff = diff_tracklists(old, page(rows=tuple(rows)))
    assert [(r.kind.value, r.old_index, r.new_index, r.fields) for r in diff.rows] == [
        ("same", 0, 0, ()),
        ("changed", 1, 1, ("cue_seconds",)),
        ("same", 2, 2, ()),
        ("added", None, 3, ()),
        ("same", 3, 4, ()),
        ("removed", 4, None, ()),
        ("changed", 5, 5, ("artist",)),
    ]
    assert diff.summary == "2 rows changed, 1 added, 1 removed"
    assert diff_tracklists(old, old).summary == "no changes"
    assert not diff_tracklists(old, old).changed
    only_meta = diff_tracklists(old, dataclasses.replace(old, genres=("House",), djs=("X", "Y")))
    assert only_meta.summary == "DJs changed, genres changed"
    assert [(m.old, m.new) for m in only_meta.metadata] == [
        ("ARTBAT", "X, Y"),
        ("Techno, Melodic Techno", "House"),
    ]
    single = diff_tracklists(old, page(rows=tracks(7)))
    assert single.summary == "1 row added, track count changed"
