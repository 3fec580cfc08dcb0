"""Drafts: hand-made and pasted tracklists, editing rows, validation, publishing, discarding."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from domain.accounts.users import create_user
from domain.db import Sessions
from domain.tracklists.draft_fields import DraftError, parse_cue, track_from_fields
from domain.tracklists.drafts import (
    add_draft_row,
    create_manual,
    delete_draft_row,
    discard_draft,
    get_draft,
    move_draft_row,
    publish_draft,
    replace_draft_rows,
    start_draft,
    update_draft_meta,
    update_draft_row,
)
from domain.tracklists.model import ID, Link, ParsedTrack, ParsedTracklist
from domain.tracklists.store import (
    TracklistFilter,
    TracklistNotFound,
    get_tracklist,
    search_tracklists,
    version_diff,
)
from domain.tracklists.text_format import parse_text
from domain.tracklists.versions import store_import

PASTED = """\
[0:00] ARTBAT - Horizon [UPPERGROUND]
[3:24] Tale Of Us & Mind Against - Astral (Afterlife Remix)
w/ Someone - Acapella
[1:02:03] ID - ID
Plain Artist - Plain Title
"""


@pytest.fixture
async def dj_id(sessions: Sessions) -> int:
    user = await create_user(sessions, "djane", "correct horse battery staple")
    return user.id


async def hand_made(sessions: Sessions, user_id: int | None = None, text: str = PASTED) -> int:
    pasted = parse_text(text)
    assert pasted.errors == ()
    return await create_manual(
        sessions,
        title="Warm-up at Club X",
        djs="Djane, Guest ",
        source="Club X",
        date="2024-03-01",
        genres=["Techno", "House", "Techno"],
        tracks=pasted.tracks,
        user_id=user_id,
    )


async def imported(sessions: Sessions) -> int:
    rows = tuple(
        ParsedTrack(position=i, cue_seconds=(i - 1) * 300, artist=f"A{i}", title=f"T{i}")
        for i in range(1, 4)
    )
    parsed = ParsedTracklist(
        title="Imported Set",
        tracks=rows,
        source_id="abc123",
        url="https://www.1001tracklists.com/tracklist/abc123/imported-set.html",
        djs=("ARTBAT",),
        source="Tomorrowland",
        date=date(2023, 7, 21),
        genres=("Techno",),
        claimed_track_count=3,
        dj_links=(Link("ARTBAT", "https://www.1001tracklists.com/dj/artbat/index.html"),),
    )
    return (await store_import(sessions, parsed, html_sha256="c" * 64)).tracklist_id


async def test_a_pasted_tracklist_is_a_draft_until_published(
    sessions: Sessions, dj_id: int
) -> None:
    tracklist_id = await hand_made(sessions, dj_id)

    detail = await get_tracklist(sessions, tracklist_id)
    assert detail.version is None and detail.versions == ()
    assert (detail.summary.version, detail.summary.has_draft) == (None, True)
    assert detail.summary.djs == ("Djane", "Guest")
    assert detail.summary.source == "Club X"
    assert detail.summary.genres == ("Techno", "House")
    assert detail.summary.date == date(2024, 3, 1)
    assert detail.summary.track_count == 4  # the "w/" row is not a track of its own
    assert [row.track.display for row in detail.rows] == [
        "ARTBAT - Horizon",
        "Tale Of Us & Mind Against - Astral (Afterlife Remix)",
        "Someone - Acapella",
        "ID - ID",
        "Plain Artist - Plain Title",
    ]
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None and draft.base_version is None
    assert draft.content.tracks[3] == ParsedTrack(
        position=3, cue_seconds=3723, artist=ID, title=ID, is_id=True
    )
    assert draft.content.tracks[2].with_previous and draft.content.tracks[2].position is None
    listed = await search_tracklists(sessions, TracklistFilter(text="club"))
    assert [item.id for item in listed.items] == [tracklist_id]

    assert await publish_draft(sessions, tracklist_id, dj_id) == 1
    published = await get_tracklist(sessions, tracklist_id)
    assert published.version is not None
    assert (published.version.number, published.version.origin) == (1, "draft")
    assert (published.version.summary, published.version.created_by) == ("first version", "djane")
    assert published.version.html_sha256 is None
    assert published.content == draft.content
    assert published.summary.has_draft is False
    assert await get_draft(sessions, tracklist_id) is None


async def test_editing_an_imported_tracklist_publishes_version_2(
    sessions: Sessions, dj_id: int
) -> None:
    tracklist_id = await imported(sessions)
    draft = await start_draft(sessions, tracklist_id, dj_id)
    assert draft.base_version == 1
    assert [row.track.title for row in draft.rows] == ["T1", "T2", "T3"]
    assert (await start_draft(sessions, tracklist_id, dj_id)).rows == draft.rows  # one draft

    first, second, third = (row.id for row in draft.rows)
    edited = await update_draft_row(
        sessions,
        tracklist_id,
        second,
        dataclasses.replace(draft.rows[1].track, cue_seconds=320, label=" KNTXT "),
    )
    assert (edited.id, edited.index, edited.track.label) == (second, 1, "KNTXT")
    added = await add_draft_row(
        sessions,
        tracklist_id,
        track_from_fields({"position": "w/", "artist": "Vocalist", "title": "Acapella"}),
        at=2,
    )
    assert added.index == 2 and added.track.with_previous
    await move_draft_row(sessions, tracklist_id, third, 0)
    await delete_draft_row(sessions, tracklist_id, first)
    draft_now = await get_draft(sessions, tracklist_id)
    assert draft_now is not None
    assert [(row.index, row.track.position, row.track.title) for row in draft_now.rows] == [
        (0, 1, "T3"),
        (1, 2, "T2"),
        (2, None, "Acapella"),
    ]
    await update_draft_meta(
        sessions,
        tracklist_id,
        title="Imported Set (corrected)",
        djs="ARTBAT, Guest",
        source="Tomorrowland",
        date="2023-07-22",
        genres="Techno, Melodic Techno",
    )
    # The current version is still what the list shows until the draft is published.
    assert (await get_tracklist(sessions, tracklist_id)).summary.title == "Imported Set"

    assert await publish_draft(sessions, tracklist_id, dj_id) == 2
    detail = await get_tracklist(sessions, tracklist_id)
    assert detail.summary.title == "Imported Set (corrected)"
    assert detail.summary.djs == ("ARTBAT", "Guest")
    assert detail.summary.genres == ("Techno", "Melodic Techno")
    assert detail.content.dj_links == (
        Link("ARTBAT", "https://www.1001tracklists.com/dj/artbat/index.html"),
    )
    assert detail.content.source_id == "abc123"
    assert [v.number for v in detail.versions] == [2, 1]
    assert detail.versions[0].created_by == "djane"
    assert detail.versions[1].created_by is None  # imported by nobody in particular
    assert detail.version is not None
    # T3 moved up (a move, not a removal and an addition); T2 got a new cue and label.
    assert detail.version.summary == (
        "1 row changed, 1 moved, 1 added, 1 removed,"
        " title changed, DJs changed, date changed, genres changed"
    )
    # History: version 1 as imported.
    old = await get_tracklist(sessions, tracklist_id, version=1)
    assert [row.track.title for row in old.rows] == ["T1", "T2", "T3"]
    diff = await version_diff(sessions, tracklist_id, 2)
    assert {m.field for m in diff.metadata} == {"title", "djs", "date", "genres"}


async def test_paste_replaces_or_appends_rows(sessions: Sessions) -> None:
    tracklist_id = await hand_made(sessions)
    await replace_draft_rows(sessions, tracklist_id, parse_text("A - One\nB - Two").tracks)
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None
    assert [row.track.display for row in draft.rows] == ["A - One", "B - Two"]
    await replace_draft_rows(sessions, tracklist_id, parse_text("C - Three").tracks, append=True)
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None
    assert [(row.index, row.track.display) for row in draft.rows] == [
        (0, "A - One"),
        (1, "B - Two"),
        (2, "C - Three"),
    ]


async def test_rows_pasted_after_others_are_numbered_after_them(sessions: Sessions) -> None:
    tracklist_id = await hand_made(sessions, text="A - One\nB - Two\nw/ B2 - With Two")
    await replace_draft_rows(
        sessions,
        tracklist_id,
        parse_text("C - Three\nw/ C2 - With Three\nD - Four").tracks,
        append=True,
    )
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None
    assert [(row.track.position, row.track.artist) for row in draft.rows] == [
        (1, "A"),
        (2, "B"),
        (None, "B2"),
        (3, "C"),
        (None, "C2"),
        (4, "D"),
    ]
    assert all(row.warnings == () for row in draft.rows)  # no "position 1 appears more than once"


async def test_adding_moving_and_deleting_rows_keeps_the_numbers_in_order(
    sessions: Sessions,
) -> None:
    tracklist_id = await hand_made(sessions, text="A - One\nB - Two\nC - Three")

    async def numbered() -> list[tuple[int | None, str | None]]:
        draft = await get_draft(sessions, tracklist_id)
        assert draft is not None
        return [(row.track.position, row.track.artist) for row in draft.rows]

    added = await add_draft_row(
        sessions, tracklist_id, track_from_fields({"artist": "New", "title": "Row"}), at=1
    )
    assert added.track.position == 2  # added without a number: numbered in its place
    assert await numbered() == [(1, "A"), (2, "New"), (3, "B"), (4, "C")]
    await add_draft_row(
        sessions, tracklist_id, track_from_fields({"position": "w/", "artist": "W", "title": "T"})
    )
    assert await numbered() == [(1, "A"), (2, "New"), (3, "B"), (4, "C"), (None, "W")]

    await move_draft_row(sessions, tracklist_id, added.id, 3)
    assert await numbered() == [(1, "A"), (2, "B"), (3, "C"), (4, "New"), (None, "W")]
    first = (await get_draft(sessions, tracklist_id)).rows[0].id  # type: ignore[union-attr]
    await delete_draft_row(sessions, tracklist_id, first)
    assert await numbered() == [(1, "B"), (2, "C"), (3, "New"), (None, "W")]


async def test_duplicate_positions_and_backwards_cues_are_allowed_and_flagged(
    sessions: Sessions,
) -> None:
    tracklist_id = await hand_made(sessions, text="[10:00] A - One\n[5:00] B - Two")
    await add_draft_row(
        sessions, tracklist_id, ParsedTrack(position=1, cue_seconds=900, artist="C", title="3")
    )
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None
    assert [row.warnings for row in draft.rows] == [
        (),
        ("cue 5:00 is before an earlier row's 10:00",),
        ("position 1 appears more than once",),
    ]
    assert await publish_draft(sessions, tracklist_id, None) == 1  # kept, not refused
    detail = await get_tracklist(sessions, tracklist_id)
    assert [row.warnings != () for row in detail.rows] == [False, True, True]


async def test_script_in_a_draft_is_kept_verbatim(sessions: Sessions) -> None:
    evil = "<script>alert(1)</script>"
    tracklist_id = await create_manual(
        sessions,
        title=evil,
        djs=[evil],
        source=None,
        date=None,
        genres=(),
        tracks=(ParsedTrack(position=1, artist=evil, title=evil),),
        user_id=None,
    )
    await publish_draft(sessions, tracklist_id, None)
    detail = await get_tracklist(sessions, tracklist_id)
    assert (detail.content.title, detail.content.djs) == (evil, (evil,))
    assert detail.rows[0].track.artist == evil


@pytest.mark.parametrize(
    ("meta", "field", "message"),
    [
        ({"title": "  "}, "title", "title is empty: a tracklist needs a title"),
        (
            {"title": "x" * 301},
            "title",
            "title is 301 characters long: refused, the limit is 300 characters (shorten it)",
        ),
        (
            {"date": "2024-13-01"},
            "date",
            "'2024-13-01' is not a date: use YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            {"date": "21/07/2023"},
            "date",
            "'21/07/2023' is not a date: use YYYY-MM-DD, e.g. 2026-05-01",
        ),
        ({"date": "2024-1-5"}, "date", "'2024-1-5' is not a date: use YYYY-MM-DD, e.g. 2026-05-01"),
        (
            {"djs": "A, " + "d" * 301},
            "djs",
            "a DJ name is 301 characters long: refused, the limit is 300 characters (shorten it)",
        ),
        (
            {"genres": ["g" * 101]},
            "genres",
            "a genre is 101 characters long: refused, the limit is 100 characters (shorten it)",
        ),
    ],
)
async def test_bad_metadata_is_refused_naming_the_field(
    sessions: Sessions, meta: dict[str, object], field: str, message: str
) -> None:
    values: dict[str, object] = {
        "title": "Set",
        "djs": "DJ",
        "source": None,
        "date": None,
        "genres": (),
        **meta,
    }
    with pytest.raises(DraftError) as refused:
        await create_manual(sessions, tracks=(), user_id=None, **values)  # type: ignore[arg-type]
    assert (refused.value.field, str(refused.value)) == (field, message)
    assert (await search_tracklists(sessions, TracklistFilter())).total == 0  # nothing stored

    tracklist_id = await hand_made(sessions)
    with pytest.raises(DraftError) as again:
        await update_draft_meta(sessions, tracklist_id, **values)  # type: ignore[arg-type]
    assert (again.value.field, str(again.value)) == (field, message)
    assert (await get_tracklist(sessions, tracklist_id)).summary.title == "Warm-up at Club X"


@pytest.mark.parametrize(
    ("track", "field", "message"),
    [
        (
            ParsedTrack(position=1, artist="a" * 501, title="T"),
            "artist",
            "artist is 501 characters long: refused, the limit is 500 characters (shorten it)",
        ),
        (
            ParsedTrack(position=1, artist="A", title="t" * 501),
            "title",
            "title is 501 characters long: refused, the limit is 500 characters (shorten it)",
        ),
        (
            ParsedTrack(position=1, artist="A", title="T", edit_note="e" * 501),
            "edit_note",
            "edit note is 501 characters long: refused, the limit is 500 characters (shorten it)",
        ),
        (
            ParsedTrack(position=1, cue_seconds=100 * 3600, artist="A", title="T"),
            "cue",
            "cue 100:00:00 is out of range: cues are from 0:00 to under 100:00:00",
        ),
        (
            ParsedTrack(position=1, cue_seconds=-5, artist="A", title="T"),
            "cue",
            "cue -5 is out of range: cues are from 0:00 to under 100:00:00",
        ),
        (
            ParsedTrack(position=0, artist="A", title="T"),
            "position",
            "position 0 is not from 1 to 999 (leave it empty for an unnumbered row)",
        ),
        (
            ParsedTrack(position=1000, artist="A", title="T"),
            "position",
            "position 1000 is not from 1 to 999 (leave it empty for an unnumbered row)",
        ),
        (
            ParsedTrack(position=1, artist="A", title="T", url="javascript:alert(1)"),
            "url",
            "url must start with http:// or https://",
        ),
    ],
)
async def test_bad_rows_are_refused_naming_the_field(
    sessions: Sessions, track: ParsedTrack, field: str, message: str
) -> None:
    tracklist_id = await hand_made(sessions)
    draft = await get_draft(sessions, tracklist_id)
    assert draft is not None
    with pytest.raises(DraftError) as on_add:
        await add_draft_row(sessions, tracklist_id, track)
    assert (on_add.value.field, str(on_add.value)) == (field, message)
    with pytest.raises(DraftError) as on_edit:
        await update_draft_row(sessions, tracklist_id, draft.rows[0].id, track)
    assert (on_edit.value.field, str(on_edit.value)) == (field, message)
    with pytest.raises(DraftError) as on_paste:
        await replace_draft_rows(sessions, tracklist_id, [draft.rows[0].track, track], append=True)
    assert (on_paste.value.field, str(on_paste.value)) == (field, f"row 7: {message}")
    unchanged = await get_draft(sessions, tracklist_id)
    assert unchanged is not None and unchanged.rows == draft.rows


def test_form_fields_become_a_row() -> None:
    track = track_from_fields(
        {
            "position": "07",
            "cue": "1:02:03",
            "artist": " Anyma ft. Chris Avantgarde ",
            "title": "Eternity",
            "remix": "",
            "label": "Afterlife",
            "mashup": "on",
        }
    )
    assert track == ParsedTrack(
        position=7,
        cue_seconds=3723,
        artist="Anyma ft. Chris Avantgarde",
        title="Eternity",
        label="Afterlife",
        mashup=True,
    )
    assert track_from_fields({"position": "", "artist": "", "title": ""}) == ParsedTrack(
        position=None, artist=ID, title=ID, is_id=True
    )
    assert track_from_fields({"position": "3", "with_previous": "on"}).position is None
    assert [parse_cue(text) for text in ("", "75", "4:05", "104:18", "1:44:18")] == [
        None,
        75,
        245,
        6258,
        6258,
    ]
    for text, message in [
        ("1:2:3", "cue “1:2:3” is not a time: use h:mm:ss, m:ss or seconds (e.g. 1:02:30)"),
        ("ten", "cue “ten” is not a time: use h:mm:ss, m:ss or seconds (e.g. 1:02:30)"),
        ("4:65", "cue “4:65”: seconds must be 00 to 59"),
        ("1:75:00", "cue “1:75:00”: minutes must be 00 to 59 after the hours"),
    ]:
        with pytest.raises(DraftError) as refused:
            parse_cue(text)
        assert (refused.value.field, str(refused.value)) == ("cue", message)
    with pytest.raises(DraftError) as refused:
        track_from_fields({"position": "first"})
    assert refused.value.field == "position"
    with pytest.raises(DraftError) as refused:
        track_from_fields({"cue": "100:00:00"})
    assert refused.value.field == "cue"


async def test_publishing_nothing_new_or_nothing_at_all_is_refused(sessions: Sessions) -> None:
    tracklist_id = await imported(sessions)
    await start_draft(sessions, tracklist_id, None)
    with pytest.raises(DraftError) as unchanged:
        await publish_draft(sessions, tracklist_id, None)
    assert (unchanged.value.field, str(unchanged.value)) == (
        "draft",
        "nothing changed since version 1",
    )
    assert (await get_tracklist(sessions, tracklist_id)).summary.has_draft  # still there

    empty = await hand_made(sessions, text="")
    with pytest.raises(DraftError) as no_rows:
        await publish_draft(sessions, empty, None)
    assert (no_rows.value.field, str(no_rows.value)) == (
        "rows",
        "the draft has no rows: add or paste at least one",
    )


async def test_discarding_a_draft(sessions: Sessions) -> None:
    tracklist_id = await imported(sessions)
    draft = await start_draft(sessions, tracklist_id, None)
    await delete_draft_row(sessions, tracklist_id, draft.rows[0].id)
    assert await discard_draft(sessions, tracklist_id) is False
    assert await get_draft(sessions, tracklist_id) is None
    detail = await get_tracklist(sessions, tracklist_id)
    assert len(detail.rows) == 3 and not detail.summary.has_draft
    with pytest.raises(TracklistNotFound, match="has no draft"):
        await add_draft_row(sessions, tracklist_id, ParsedTrack(position=1, artist="A", title="T"))

    # A hand-made tracklist never published has nothing left without its draft.
    never = await hand_made(sessions)
    assert await discard_draft(sessions, never) is True
    with pytest.raises(TracklistNotFound):
        await get_tracklist(sessions, never)
    with pytest.raises(TracklistNotFound):
        await discard_draft(sessions, never)


async def test_a_never_published_draft_shows_its_new_metadata_in_the_list(
    sessions: Sessions,
) -> None:
    tracklist_id = await hand_made(sessions)
    await update_draft_meta(
        sessions,
        tracklist_id,
        title="Closing at Club Y",
        djs=["Djane"],
        source="",
        date="",
        genres="",
    )
    listed = await search_tracklists(sessions, TracklistFilter(text="closing"))
    assert [item.title for item in listed.items] == ["Closing at Club Y"]
    item = listed.items[0]
    assert (item.djs, item.source, item.date, item.genres) == (("Djane",), None, None, ())
    assert (await search_tracklists(sessions, TracklistFilter(text="warm"))).total == 0


async def test_rows_that_are_not_in_the_draft(sessions: Sessions) -> None:
    tracklist_id = await hand_made(sessions)
    with pytest.raises(TracklistNotFound, match=f"the draft of tracklist {tracklist_id} has no"):
        await delete_draft_row(sessions, tracklist_id, 999_999)
    with pytest.raises(TracklistNotFound, match="no tracklist with id 424242"):
        await start_draft(sessions, 424242, None)


async def test_reimporting_an_unchanged_page_keeps_a_djs_published_edits(
    sessions: Sessions,
) -> None:
    tracklist_id = await imported(sessions)
    draft = await start_draft(sessions, tracklist_id, None)
    fixed = dataclasses.replace(draft.rows[2].track, artist="Mathame", title="Nowhere")
    await update_draft_row(sessions, tracklist_id, draft.rows[2].id, fixed)
    assert await publish_draft(sessions, tracklist_id, None) == 2

    detail = await get_tracklist(sessions, tracklist_id, version=1)
    again = await store_import(sessions, detail.content, html_sha256="d" * 64)
    assert (again.version, again.changed, again.summary) == (2, False, "unchanged since version 1")
    current = await get_tracklist(sessions, tracklist_id)
    assert current.version is not None and current.version.number == 2
    assert current.rows[2].track.title == "Nowhere"

    # The page itself changed: a new version from it (the DJ's version stays in the history).
    changed = dataclasses.replace(detail.content, title="Imported Set (updated on the site)")
    newer = await store_import(sessions, changed, html_sha256="e" * 64)
    assert (newer.version, newer.changed) == (3, True)
    assert newer.summary == "1 row changed, title changed"
