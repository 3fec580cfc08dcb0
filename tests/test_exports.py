"""The TXT, JSON and M3U exports of a tracklist."""

from __future__ import annotations

import json
from datetime import date

from domain.tracklists.exports import to_json, to_m3u, to_text
from domain.tracklists.model import ID, ParsedTrack, ParsedTracklist
from domain.tracklists.text_format import format_text, parse_text

SITE = "https://www.1001tracklists.com"

TRACKLIST = ParsedTracklist(
    source_id="2x9kv3j1",
    url=f"{SITE}/tracklist/2x9kv3j1/adam-beyer-drumcode-radio-700.html",
    title="Adam Beyer @ Drumcode Radio 700, Stockholm 2024-05-01",
    djs=("Adam Beyer", "Cirez D"),
    source="Drumcode Radio",
    date=date(2024, 5, 1),
    genres=("Techno",),
    claimed_track_count=4,
    tracks=(
        ParsedTrack(
            position=1,
            cue_seconds=0,
            artist="Adam Beyer",
            title="Your Mind",
            remix="Original Mix",
            label="DRUMCODE",
            url=f"{SITE}/track/1abc/adam-beyer-your-mind/index.html",
        ),
        ParsedTrack(
            position=None,
            with_previous=True,
            artist="AC/DC",
            title='Back In Black: "Live" <script>alert(1)</script>',
        ),
        ParsedTrack(position=2, cue_seconds=245, artist=ID, title=ID, is_id=True),
        ParsedTrack(
            position=3,
            cue_seconds=3725,
            artist="Röyksopp ft. Robyn",
            title="Monument",
            remix="Ø Remix",
            edit_note="(Live Edit)",
            label="Dog Triumph",
        ),
        ParsedTrack(position=None, mashup=True, artist="#1 DJ", title="Mash Part"),
    ),
)


# JSON ------------------------------------------------------------------------------------------


def test_json_is_the_stable_shape_pretty_printed() -> None:
    text = to_json(TRACKLIST)
    assert json.loads(text) == TRACKLIST.to_json()
    assert ParsedTracklist.from_json(json.loads(text)) == TRACKLIST
    assert text.startswith('{\n  "source_id": "2x9kv3j1",\n  "url": ')
    assert text.endswith("}\n")
    # Non-ASCII and markup are kept verbatim: this is data, not a page.
    assert '"artist": "Röyksopp ft. Robyn"' in text
    assert "<script>alert(1)</script>" in text
    assert list(json.loads(text)) == [
        "source_id",
        "url",
        "title",
        "djs",
        "source",
        "date",
        "genres",
        "claimed_track_count",
        "tracks",
    ]
    assert json.loads(text)["date"] == "2024-05-01"


def test_json_of_a_hand_made_tracklist() -> None:
    hand_made = ParsedTracklist(title="Friday warm-up", tracks=(ParsedTrack(position=1),))
    data = json.loads(to_json(hand_made))
    assert data["source_id"] is None and data["date"] is None and data["djs"] == []
    assert data["tracks"][0]["artist"] is None
    assert ParsedTracklist.from_json(data) == hand_made


# M3U -------------------------------------------------------------------------------------------


def test_m3u_has_one_entry_per_row_with_the_url_or_a_relative_file() -> None:
    lines = to_m3u(TRACKLIST).split("\n")
    assert lines == [
        "#EXTM3U",
        "#PLAYLIST:Adam Beyer @ Drumcode Radio 700, Stockholm 2024-05-01",
        "#EXTINF:-1,Adam Beyer - Your Mind (Original Mix)",
        f"{SITE}/track/1abc/adam-beyer-your-mind/index.html",
        '#EXTINF:-1,AC/DC - Back In Black: "Live" <script>alert(1)</script>',
        "AC_DC - Back In Black_ _Live_ _script_alert(1)__script_.mp3",
        "#EXTINF:-1,ID - ID",
        "ID - ID.mp3",
        "#EXTINF:-1,Röyksopp ft. Robyn - Monument (Ø Remix)",
        "Röyksopp ft. Robyn - Monument (Ø Remix).mp3",
        "#EXTINF:-1,#1 DJ - Mash Part",
        "./#1 DJ - Mash Part.mp3",  # a line starting with "#" would be a comment
        "",
    ]


def test_m3u_file_names_are_safe_on_every_file_system() -> None:
    tracks = (
        ParsedTrack(position=1, artist="A\\B", title='Why?*: <"|">'),
        ParsedTrack(position=2, artist="..Hidden", title="Dots..."),
        ParsedTrack(position=3, artist="Line\nbreak", title="Tab\tand\x00nul"),
        ParsedTrack(position=4, artist="Ä" * 200, title="Long"),
        ParsedTrack(position=5, artist=None, title=None, url="  "),
    )
    lines = to_m3u(ParsedTracklist(title="", tracks=tracks)).split("\n")
    assert lines[0] == "#EXTM3U"
    assert not any(line.startswith("#PLAYLIST") for line in lines)  # no title, no line
    entries = lines[1:-1]
    assert entries[0::2] == [
        '#EXTINF:-1,A\\B - Why?*: <"|">',
        "#EXTINF:-1,..Hidden - Dots...",
        "#EXTINF:-1,Line break - Tab and nul",
        f"#EXTINF:-1,{'Ä' * 200} - Long",
        "#EXTINF:-1,ID - ID",
    ]
    names = entries[1::2]
    assert names[:3] == [
        "A_B - Why___ _____.mp3",
        "Hidden - Dots.mp3",
        "Line break - Tab and nul.mp3",
    ]
    assert len(names[3].encode()) <= 255 and names[3].endswith(".mp3")
    assert names[3] == "Ä" * 125 + ".mp3"  # 2 bytes each: cut on a character boundary
    assert names[4] == "ID - ID.mp3"


def test_m3u_lines_are_never_broken_by_the_data() -> None:
    weird = ParsedTracklist(
        title="Title\r\nwith break",
        tracks=(ParsedTrack(position=1, artist="A\u2028B", title="C\rD", url="http://x/\n#y"),),
    )
    assert to_m3u(weird) == (
        "#EXTM3U\n#PLAYLIST:Title with break\n#EXTINF:-1,A B - C D\nhttp://x/ #y\n"
    )


# TXT -------------------------------------------------------------------------------------------


def test_text_is_the_site_export_format_and_reads_back() -> None:
    text = to_text(TRACKLIST)
    assert text == format_text(TRACKLIST)
    parsed = parse_text(text)
    assert parsed.errors == ()

    def essentials(track: ParsedTrack) -> tuple[object, ...]:
        return (
            track.cue_seconds,
            track.artist,
            track.title,
            track.remix,
            track.label,
            track.with_previous,
            track.mashup,
            track.is_id,
        )

    assert [essentials(t) for t in parsed.tracks] == [essentials(t) for t in TRACKLIST.tracks]
    assert "w/ AC/DC - Back In Black" in text
    assert "<script>alert(1)</script>" in text  # plain text: kept verbatim
