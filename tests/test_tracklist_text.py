"""The plain-text tracklist format: what DJs paste, and the TXT export (round-trip)."""

from __future__ import annotations

from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.parse import parse_tracklist
from domain.tracklists.text_format import TextLineError, format_text, parse_text
from tests.fakes.tracklist_pages import ID, Row, generated_rows, tracklist_page

SITE_EXPORT = """\
[0:00:00] ARTBAT - Horizon [UPPERGROUND]
[0:03:24] Tale Of Us & Mind Against ft. Kölsch - Astral (Afterlife Remix) [AFTERLIFE]
w/ Someone - Acapella [WHITE]
[0:10:00] ID - ID
[0:11:40] Mathame - ID
[1:44:18] Artist - Song - Extended (Someone's Dub) [Kompakt · コンパクト]
+ Part A - Song A
"""


def test_site_export_format() -> None:
    result = parse_text(SITE_EXPORT)
    assert result.errors == ()
    assert result.tracks == (
        ParsedTrack(1, cue_seconds=0, artist="ARTBAT", title="Horizon", label="UPPERGROUND"),
        ParsedTrack(
            2,
            cue_seconds=204,
            artist="Tale Of Us & Mind Against ft. Kölsch",
            title="Astral",
            remix="Afterlife Remix",
            label="AFTERLIFE",
        ),
        ParsedTrack(None, with_previous=True, artist="Someone", title="Acapella", label="WHITE"),
        ParsedTrack(3, cue_seconds=600, artist=ID, title=ID, is_id=True),
        ParsedTrack(4, cue_seconds=700, artist="Mathame", title=ID, is_id=True),
        ParsedTrack(
            5,
            cue_seconds=6258,
            artist="Artist",
            title="Song - Extended",
            remix="Someone's Dub",
            label="Kompakt · コンパクト",
        ),
        ParsedTrack(None, mashup=True, artist="Part A", title="Song A"),
    )


def test_short_cues_positions_and_plain_lines() -> None:
    text = (
        "\ufeff01. [03:24] A - One\r\n"
        "[104:18] 02) B - Two\r\n"
        "\r\n"
        "   \r\n"
        "C - Three (Dub)\r\n"
        "[?] D - Four\r\n"
        "07. E - Five\n"
    )
    result = parse_text(text)
    assert result.errors == ()
    assert [(t.position, t.cue_seconds, t.artist, t.title, t.remix) for t in result.tracks] == [
        (1, 204, "A", "One", None),
        (2, 6258, "B", "Two", None),  # minutes past 59 in [mm:ss]
        (3, None, "C", "Three", "Dub"),
        (4, None, "D", "Four", None),
        (7, None, "E", "Five", None),
    ]


def test_cues_without_brackets_as_video_descriptions_write_them() -> None:
    text = (
        "00:00 Moderat - Copy Copy [Monkeytown]\n"
        "05:00 - Bonobo - Kerala (Ross From Friends Remix)\n"
        "1:02:03 | Bicep - Glue\n"
        "03. 1:10:00 \u2013 Four Tet - Baby\n"
        "24:7 - Song\n"  # no cue: a clock needs two digits of seconds
    )
    result = parse_text(text)
    assert result.errors == ()
    assert [(t.position, t.cue_seconds, t.artist, t.title, t.remix) for t in result.tracks] == [
        (1, 0, "Moderat", "Copy Copy", None),
        (2, 300, "Bonobo", "Kerala", "Ross From Friends Remix"),
        (3, 3723, "Bicep", "Glue", None),
        (3, 4200, "Four Tet", "Baby", None),
        (4, None, "24:7", "Song", None),
    ]
    (refused,) = parse_text("05:00 w/ A - B").errors
    assert refused.message == '"w/" row has no cue of its own: remove 05:00'


def test_bad_lines_are_errors_naming_the_line() -> None:
    text = (
        "A - One\n"
        "just some words\n"
        "\n"
        "[1:75:00] B - Two\n"
        "[0:05:00] w/ C - Three\n"
        " - No Artist\n"
        "D -\n"
        "E - Fine\n"
    )
    result = parse_text(text)
    assert [t.artist for t in result.tracks] == ["A", "E"]
    assert [t.position for t in result.tracks] == [1, 2]
    assert result.lines == (1, 8)  # where each track was read: errors of its own name it
    assert result.errors == (
        TextLineError(
            2,
            "just some words",
            '"just some words" has no " - " between artist and title'
            ' (expected "Artist - Title", or "ID - ID" for an unknown track)',
        ),
        TextLineError(
            4,
            "[1:75:00] B - Two",
            'cue "[1:75:00]" is not a time: write [h:mm:ss] or [mm:ss]',
        ),
        TextLineError(
            5,
            "[0:05:00] w/ C - Three",
            '"w/" row has no cue of its own: remove [0:05:00]',
        ),
        TextLineError(6, " - No Artist", 'the artist is empty (write "ID" for an unknown artist)'),
        TextLineError(7, "D -", 'the title is empty (write "ID" for an unknown title)'),
    )


def test_script_in_text_is_kept_verbatim() -> None:
    result = parse_text("<script>alert(1)</script> - <b>Title</b> [<i>LABEL</i>]")
    track = result.tracks[0]
    assert (track.artist, track.title, track.label) == (
        "<script>alert(1)</script>",
        "<b>Title</b>",
        "<i>LABEL</i>",
    )


def test_format_text_writes_the_site_format() -> None:
    tracklist = ParsedTracklist(title="Mix", tracks=parse_text(SITE_EXPORT).tracks)
    assert format_text(tracklist) == SITE_EXPORT


def test_round_trip_of_a_parsed_page() -> None:
    rows = [
        *generated_rows(110, variety=True, spacing=61),
        Row("Part A", "Song A", mashup_part=True, label="SELF"),
        Row("Anyma", "Eternity", cue=None),
    ]
    parsed = parse_tracklist(tracklist_page(rows=rows))
    assert len(parsed.tracks) > 110

    again = parse_text(format_text(parsed))
    assert again.errors == ()
    assert len(again.tracks) == len(parsed.tracks)
    fields = ("position", "with_previous", "mashup", "cue_seconds", "artist", "title", "remix")
    for before, after in zip(parsed.tracks, again.tracks, strict=True):
        for name in (*fields, "label", "is_id"):
            assert getattr(after, name) == getattr(before, name), (name, before, after)


def test_round_trip_of_pasted_text() -> None:
    first = parse_text(SITE_EXPORT)
    second = parse_text(format_text(ParsedTracklist(title="x", tracks=first.tracks)))
    assert second == first


def test_format_text_keeps_each_track_on_one_line() -> None:
    track = ParsedTrack(1, artist="A\nB", title="T\r\nU", label="L\tM")
    assert format_text(ParsedTracklist(title="x", tracks=(track,))) == "A B - T U [L M]\n"
    assert format_text(ParsedTracklist(title="x", tracks=(ParsedTrack(1),))) == "ID - ID\n"
