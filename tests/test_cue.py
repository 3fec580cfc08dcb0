"""CUE sheets: every sheet made here is read back by two independent parsers from PyPI.

`read_back` is the one way these tests look at a sheet: it checks the bytes (BOM, CRLF, no blank
lines, quoting, the 80-character limit, INDEX syntax and order, sequential track numbers), then
parses the file with `deflacue` and with `cuetools`, requires both to agree, and returns what they
read. The tests compare that with what the tracklist says.
"""

from __future__ import annotations

import codecs
import random
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

import cuetools
import pytest
from deflacue.parser import CueParser

from domain.tracklists.cue import (
    CueExport,
    CueFile,
    CueOptions,
    CueRefused,
    FileType,
    MissingCues,
    TooManyTracks,
    build_cue,
)
from domain.tracklists.model import ID, ParsedTrack, ParsedTracklist
from domain.tracklists.parse import parse_tracklist
from tests.fakes import tracklist_pages as pages

URL = "https://www.1001tracklists.com/tracklist/2x9kv3j1/adam-beyer-drumcode-radio-700.html"
SAMPLES_PER_CD_FRAME = 588  # deflacue counts 44.1 kHz samples
INDEX = re.compile(r"^    INDEX (\d\d) (\d{2,}):([0-5]\d):(\d\d)$")
QUOTED = re.compile(r'^ *(TITLE|PERFORMER|REM COMMENT|REM GENRE|FILE) "([^"]*)"( WAVE| MP3)?$')
KNOWN_LINE = re.compile(r"^(REM (GENRE|DATE|COMMENT) |PERFORMER |TITLE |FILE |  TRACK |    )")


# Read-back -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadTrack:
    number: int
    performer: str
    title: str
    frames: int  # INDEX 01 in CD frames (75 per second)
    index00: int | None  # INDEX 00 in CD frames, if any
    comment: str | None  # the track's own REM COMMENT

    @property
    def seconds(self) -> float:
        return self.frames / 75


@dataclass(frozen=True)
class ReadSheet:
    performer: str | None
    title: str | None
    genre: str | None
    year: int | None
    comment: str | None
    file: str
    file_type: str
    tracks: tuple[ReadTrack, ...]


def read_back(sheet: CueFile) -> ReadSheet:
    """Check `sheet` against the CUE rules; read it with deflacue and cuetools, which must agree."""
    data = sheet.encoded()
    assert data.startswith(codecs.BOM_UTF8) == sheet.bom
    text = data.decode("utf-8-sig")  # strict: the bytes are UTF-8
    assert text == sheet.text
    _check_rules(text)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / sheet.name
        path.write_bytes(data)
        deflacue = CueParser.from_file(path, encoding="utf-8-sig").run()

    # cuetools knows only WAVE files (.wav/.flac/.ape): an MP3 sheet's FILE line, checked above,
    # is swapped for a WAVE one so that cuetools still reads every other line.
    wave_text = re.sub(r'^FILE "(.*)" MP3\r$', r'FILE "\1.wav" WAVE\r', text, flags=re.MULTILINE)
    album = cuetools.loads(wave_text)

    assert len(deflacue.files) == 1
    audio = deflacue.files[0]
    assert len(deflacue.tracks) == len(album.tracks) > 0
    disc_comment = deflacue.meta.data.get("COMMENT")
    tracks = []
    for ours, theirs in zip(deflacue.tracks, album.tracks, strict=True):
        assert ours.num == theirs.track
        assert ours.title == theirs.title
        assert ours.data["PERFORMER"] == theirs.performer
        assert ours.start % SAMPLES_PER_CD_FRAME == 0
        assert ours.start // SAMPLES_PER_CD_FRAME == theirs.index01.frames
        comment = ours.data.get("COMMENT")
        tracks.append(
            ReadTrack(
                number=theirs.track,
                performer=theirs.performer or "",
                title=theirs.title or "",
                frames=theirs.index01.frames,
                index00=theirs.index00.frames if theirs.index00 is not None else None,
                comment=comment if comment != disc_comment else None,  # else inherited
            )
        )
    meta = deflacue.meta.data
    if album.title is not None:
        assert meta["ALBUM"] == album.title
    if album.performer is not None:
        assert meta["PERFORMER"] == album.performer
    assert meta.get("GENRE") == album.rem.genre
    assert (int(meta["DATE"]) if meta.get("DATE") else None) == album.rem.date
    return ReadSheet(
        performer=album.performer,
        title=album.title,
        genre=album.rem.genre,
        year=album.rem.date,
        comment=disc_comment,
        file=str(audio.path),
        file_type=audio.type,
        tracks=tuple(tracks),
    )


def _check_rules(text: str) -> None:
    """The CUE rules on the raw lines: what a strict player (libcue, DeaDBeeF) would insist on."""
    assert text.endswith("\r\n")
    lines = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in lines)
    assert all(line.strip() for line in lines), "no blank lines"
    assert all(KNOWN_LINE.match(line) for line in lines), lines
    assert sum(line.startswith("FILE ") for line in lines) == 1
    track_numbers = [int(line.split()[1]) for line in lines if line.startswith("  TRACK ")]
    assert track_numbers == list(range(1, len(track_numbers) + 1))
    assert 1 <= len(track_numbers) <= 99
    assert all(f"  TRACK {n:02d} AUDIO" in lines for n in track_numbers)
    starts: list[int] = []
    index00: list[int] = []
    for line in lines:
        if " INDEX " in line:
            found = INDEX.match(line)
            assert found, line
            number, minutes, seconds, frames = (int(g) for g in found.groups())
            assert frames < 75
            (starts if number == 1 else index00).append((minutes * 60 + seconds) * 75 + frames)
            assert number in (0, 1)
        elif '"' in line:
            quoted = QUOTED.match(line)
            assert quoted, f"a quote inside a string or a bad line: {line}"
            if quoted.group(1) in ("TITLE", "PERFORMER"):
                assert len(quoted.group(2)) <= 80, line
    assert len(starts) == len(track_numbers)
    assert all(a < b for a, b in pairwise(starts)), "INDEX 01 must rise"
    assert index00 == ([0] if starts[0] > 0 else [])
    if index00:  # the INDEX 00 belongs to track 1
        first_track = lines.index("  TRACK 01 AUDIO")
        second = lines.index("  TRACK 02 AUDIO") if len(starts) > 1 else len(lines)
        assert "    INDEX 00 00:00:00" in lines[first_track:second]


def read_all(export: CueExport) -> list[ReadSheet]:
    return [read_back(sheet) for sheet in export.files]


def summary(sheet: ReadSheet) -> list[tuple[str, str, float]]:
    return [(t.performer, t.title, t.seconds) for t in sheet.tracks]


# Tracklists ------------------------------------------------------------------------------------


def row(
    position: int | None,
    artist: str | None,
    title: str | None,
    cue: int | None = None,
    **kw: object,
) -> ParsedTrack:
    return ParsedTrack(position=position, artist=artist, title=title, cue_seconds=cue, **kw)  # type: ignore[arg-type]


def w(artist: str, title: str, cue: int | None = None, **kw: object) -> ParsedTrack:
    return row(None, artist, title, cue, with_previous=True, **kw)


def tracklist(*rows: ParsedTrack, **kw: object) -> ParsedTracklist:
    fields: dict[str, object] = {
        "title": "Adam Beyer @ Drumcode Radio 700, Stockholm 2024-05-01",
        "url": URL,
        "source_id": "2x9kv3j1",
        "djs": ("Adam Beyer",),
        "genres": ("Techno",),
        "date": date(2024, 5, 1),
    }
    fields.update(kw)
    return ParsedTracklist(tracks=rows, **fields)  # type: ignore[arg-type]


def generated(count: int, step: int = 180, start: int = 0) -> tuple[ParsedTrack, ...]:
    return tuple(
        row(n, f"Artist {n}", f"Title {n}", start + (n - 1) * step) for n in range(1, count + 1)
    )


def only(export: CueExport) -> ReadSheet:
    assert len(export.files) == 1
    return read_back(export.files[0])


# Tests -----------------------------------------------------------------------------------------


def test_a_tracklist_with_cues() -> None:
    export = build_cue(
        tracklist(
            row(1, "Adam Beyer", "Your Mind", 0, remix="Original Mix", label="DRUMCODE"),
            row(2, "Bart Skils & Joel Mull", "Unreal", 245),
            row(3, "Amelie Lens ft. Farrago", "Feel It", 512, edit_note="(Live Edit)"),
        ),
        CueOptions(file_name="drumcode-700.flac"),
    )
    assert export.warnings == ()
    (cue,) = export.files
    assert cue.name == "drumcode-700.cue"
    sheet = read_back(cue)
    assert sheet.performer == "Adam Beyer"
    assert sheet.title == "Adam Beyer @ Drumcode Radio 700, Stockholm 2024-05-01"
    assert (sheet.genre, sheet.year, sheet.comment) == ("Techno", 2024, URL)
    assert (sheet.file, sheet.file_type) == ("drumcode-700.flac", "WAVE")
    assert summary(sheet) == [
        ("Adam Beyer", "Your Mind (Original Mix)", 0),
        ("Bart Skils & Joel Mull", "Unreal", 245),
        ("Amelie Lens ft. Farrago", "Feel It", 512),
    ]
    assert [t.index00 for t in sheet.tracks] == [None, None, None]
    assert all(t.comment is None for t in sheet.tracks)
    assert "INDEX 01 04:05:00" in cue.text and "INDEX 01 08:32:00" in cue.text


def test_disc_lines_from_several_djs_and_genres() -> None:
    sheet = only(
        build_cue(
            tracklist(
                row(1, "A", "One", 0),
                row(2, "B", "Two", 60),
                djs=("Adam Beyer", "Cirez D"),
                genres=("Techno", "Tech House"),
            )
        )
    )
    assert sheet.performer == "Adam Beyer & Cirez D"
    assert sheet.genre == "Techno, Tech House"


def test_a_hand_made_tracklist_without_url_djs_genres_or_date() -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One", 0),
            row(2, "B", "Two", 60),
            url=None,
            djs=(),
            genres=(),
            date=None,
            source_id=None,
        )
    )
    sheet = only(export)
    assert (sheet.performer, sheet.genre, sheet.year, sheet.comment) == (None, None, None, None)
    text = export.files[0].text
    assert "REM " not in text and "PERFORMER" in text  # only the tracks' performers
    assert summary(sheet) == [("A", "One", 0), ("B", "Two", 60)]


def test_without_any_cue_is_refused_in_both_modes() -> None:
    rows = (row(1, "A", "One"), row(2, "B", "Two"), row(3, "C", "Three"))
    with pytest.raises(CueRefused, match="no row has a cue time: nothing to interpolate from"):
        build_cue(tracklist(*rows))
    with pytest.raises(CueRefused, match=r"no row has a cue time: .* would leave no track"):
        build_cue(tracklist(*rows), CueOptions(missing=MissingCues.OMIT))


def test_only_a_zero_cue_on_track_one_is_no_cue_information() -> None:
    # A page without cues still has "0" on its first row: no sheet of guessed 5-minute tracks.
    rows = (row(1, "A", "One", 0), row(2, "B", "Two"), row(3, "C", "Three"))
    with pytest.raises(CueRefused, match="no row has a cue time after 0:00: nothing to inter"):
        build_cue(tracklist(*rows))
    with pytest.raises(CueRefused, match=r"after 0:00: .* would leave only the first track"):
        build_cue(tracklist(*rows), CueOptions(missing=MissingCues.OMIT))
    # ... but a one-track mix with its cue at 0 is a fine sheet.
    assert summary(only(build_cue(tracklist(row(1, "A", "One", 0))))) == [("A", "One", 0)]


def test_an_empty_tracklist_is_refused() -> None:
    with pytest.raises(CueRefused, match="the tracklist has no tracks"):
        build_cue(tracklist())


def test_w_rows_join_their_parents_title_and_are_never_tracks() -> None:
    export = build_cue(
        tracklist(
            row(1, "Adam Beyer", "Your Mind", 0),
            w("Ida Engberg", "Disconnect", remix="Joel Mull Remix"),
            w("ID", "ID", is_id=True),
            row(2, "Enrico Sangiuliano", "Symbiosis", 300),
        )
    )
    assert export.warnings == ()
    assert summary(only(export)) == [
        (
            "Adam Beyer",
            "Your Mind w/ Ida Engberg - Disconnect (Joel Mull Remix) w/ ID - ID",
            0,
        ),
        ("Enrico Sangiuliano", "Symbiosis", 300),
    ]


def test_mashup_parts_join_their_parents_title_and_are_never_tracks() -> None:
    sheet = only(
        build_cue(
            tracklist(
                row(1, "Adam Beyer vs. Layton Giordani", "Your Mind vs. Live Again", 0),
                row(None, "Adam Beyer", "Your Mind", mashup=True),
                row(None, "Layton Giordani", "Live Again", mashup=True),
                row(2, "Pig&Dan", "The Gate", 420),
            )
        )
    )
    assert summary(sheet) == [
        (
            "Adam Beyer vs. Layton Giordani",
            "Your Mind vs. Live Again + Adam Beyer - Your Mind + Layton Giordani - Live Again",
            0,
        ),
        ("Pig&Dan", "The Gate", 420),
    ]


def test_a_w_row_with_nothing_before_it_becomes_a_track_and_is_warned() -> None:
    export = build_cue(tracklist(w("A", "One", 0), row(1, "B", "Two", 200)))
    assert summary(only(export)) == [("A", "One", 0), ("B", "Two", 200)]
    assert export.warnings == (
        'the first row (A - One) is a "w/" row with no row before it to join:'
        " made a track of its own",
    )


def test_id_rows_full_and_partial() -> None:
    sheet = only(
        build_cue(
            tracklist(
                row(1, ID, ID, 0, is_id=True),  # a full-ID row as parsed ("ID - ID")
                row(2, None, None, 180, is_id=True),  # unknown parts left empty
                row(3, "Adam Beyer", ID, 360, is_id=True),
                row(4, ID, "Teach Me", 540, remix="ID Remix", is_id=True),
                row(5, "Amelie Lens", None, 720, remix="Adam Beyer Remix", is_id=True),
            )
        )
    )
    assert summary(sheet) == [
        ("ID", "ID", 0),
        ("ID", "ID", 180),
        ("Adam Beyer", "ID", 360),
        ("ID", "Teach Me (ID Remix)", 540),
        ("Amelie Lens", "ID (Adam Beyer Remix)", 720),
    ]


def test_non_ascii_text_is_utf8() -> None:
    export = build_cue(
        tracklist(
            row(1, "Röyksopp & Robyn", "Monument (Ø Remix)", 0, label="Dog Triumph"),
            row(2, "坂本龍一", "Energy Flow", 200),
            row(3, "Ólafur Arnalds", "Saman 🎹", 400),
            title="Âme @ Kappa FuturFestival, Torino — 2024",
            djs=("Âme",),
        )
    )
    sheet = only(export)
    assert sheet.title == "Âme @ Kappa FuturFestival, Torino — 2024"
    assert sheet.performer == "Âme"
    assert summary(sheet) == [
        ("Röyksopp & Robyn", "Monument (Ø Remix)", 0),
        ("坂本龍一", "Energy Flow", 200),
        ("Ólafur Arnalds", "Saman 🎹", 400),
    ]
    assert "坂本龍一".encode() in export.files[0].encoded()
    assert export.files[0].name == "ame-kappa-futurfestival-torino-2024.cue"


def test_double_quotes_become_single_quotes_everywhere() -> None:
    sheet = only(
        build_cue(
            tracklist(
                row(1, 'DJ "Q"', 'Say "Hello"', 0, remix='12" Mix'),
                w('The "Band"', '"Quoted"'),
                row(2, "B", "Two", 100),
                title='The "Best" Mix',
                djs=('Ms "X"',),
                genres=('Drum "n" Bass',),
            )
        )
    )
    assert sheet.title == "The 'Best' Mix"
    assert sheet.performer == "Ms 'X'"
    assert sheet.genre == "Drum 'n' Bass"
    assert sheet.tracks[0].performer == "DJ 'Q'"
    assert sheet.tracks[0].title == "Say 'Hello' (12' Mix) w/ The 'Band' - 'Quoted'"


def test_line_breaks_and_control_characters_never_break_a_line() -> None:
    sheet = only(
        build_cue(
            tracklist(
                row(1, "A\r\nB", "One\tTwo\x00Three\u2028Four", 0),
                row(2, "  C  ", "\n", 100),
                title="Line\nbreak",
            )
        )
    )
    assert sheet.title == "Line break"
    assert summary(sheet) == [("A B", "One Two Three Four", 0), ("C", "ID", 100)]


def test_text_over_80_characters_is_cut_with_the_full_text_in_a_rem_line() -> None:
    long_title = "A Very Long Title That Goes On " * 4  # 124 characters
    long_artist = "Artist One & Artist Two & Artist Three ft. Artist Four & Artist Five ft. Six"
    long_artist += " & Seven"  # 84 characters
    exactly_80 = "x" * 80
    long_mix = "Charlotte de Witte & Amelie Lens @ Awakenings Festival 2023, Area V, Spaarnwoude,"
    long_mix += " Netherlands 2023-07-01"
    export = build_cue(
        tracklist(
            row(1, long_artist, long_title.strip(), 0),
            row(2, "B", exactly_80, 300),
            row(3, "C", "Short", 600),
            w("D", "Joined"),
            w("E", "Also " * 15),
            title=long_mix,
        )
    )
    sheet = only(export)
    first, second, third = sheet.tracks
    assert len(first.title) == 80 and first.title.endswith("…")
    assert first.title[:-1] == long_title.strip()[:79].rstrip()
    assert first.performer == long_artist[:79].rstrip() + "…"  # no space before the mark
    assert first.comment == (f"full title: {long_title.strip()} | full performer: {long_artist}")
    assert (second.title, second.comment) == (exactly_80, None)  # 80 fits
    joined = "Short w/ D - Joined w/ E - " + ("Also " * 15).strip()
    assert third.title == joined[:79] + "…"
    assert third.comment == f"full title: {joined}"
    assert sheet.title == long_mix[:79].rstrip() + "…"
    assert sheet.comment == f"{URL} | full title: {long_mix}"
    assert export.warnings == ()


def test_more_than_99_tracks_split_into_sheets_with_absolute_times() -> None:
    rows = generated(250, step=60)
    export = build_cue(
        tracklist(*rows), CueOptions(file_name="mix.wav", too_many=TooManyTracks.SPLIT)
    )
    assert [f.name for f in export.files] == [
        "mix (part 1 of 3).cue",
        "mix (part 2 of 3).cue",
        "mix (part 3 of 3).cue",
    ]
    assert export.warnings == (
        "250 tracks: split into 3 CUE sheets of at most 99 tracks, each on the whole audio file",
    )
    sheets = read_all(export)
    assert [len(s.tracks) for s in sheets] == [84, 83, 83]
    assert [s.title for s in sheets] == [
        f"Adam Beyer @ Drumcode Radio 700, Stockholm 2024-05-01 (part {n} of 3)" for n in (1, 2, 3)
    ]
    assert {s.file for s in sheets} == {"mix.wav"}
    everything = [track for s in sheets for track in summary(s)]
    assert everything == [(f"Artist {n}", f"Title {n}", (n - 1) * 60) for n in range(1, 251)]
    # Each later part starts mid-file: its track 01 has the pregap from 0.
    assert [s.tracks[0].index00 for s in sheets] == [None, 0, 0]
    assert sheets[1].tracks[0].frames == 84 * 60 * 75


def test_more_than_99_tracks_refused_with_the_reason() -> None:
    with pytest.raises(CueRefused) as refused:
        build_cue(tracklist(*generated(120)))
    assert str(refused.value) == (
        "120 tracks: a CUE sheet holds at most 99 (players reject more);"
        " choose split to get 2 sheets"
    )


def test_99_main_tracks_with_w_rows_are_one_sheet() -> None:
    rows = [r for main in generated(99, step=30) for r in (main, w("With", main.title or ""))]
    export = build_cue(tracklist(*rows))
    assert len(export.files) == 1
    assert len(read_back(export.files[0]).tracks) == 99


def test_a_split_of_a_long_title_keeps_the_part_in_80_characters() -> None:
    title = "T" * 100
    export = build_cue(
        tracklist(*generated(100), title=title), CueOptions(too_many=TooManyTracks.SPLIT)
    )
    sheets = read_all(export)
    assert [s.title for s in sheets] == [
        "T" * (79 - len(" (part 1 of 2)")) + "…" + f" (part {n} of 2)" for n in (1, 2)
    ]
    assert all(s.comment == f"{URL} | full title: {title}" for s in sheets)


def test_a_mix_over_100_minutes_counts_minutes_past_99() -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One", 0),
            row(2, "B", "Two", 5999),  # 99:59
            row(3, "C", "Three", 6000),  # 100:00
            row(4, "D", "Four", 6258),  # 1 h 44 min 18 s
            row(5, "E", "Five", 4 * 3600 + 59),
        )
    )
    text = export.files[0].text
    for index in ("99:59:00", "100:00:00", "104:18:00", "240:59:00"):
        assert f"INDEX 01 {index}\r\n" in text
    assert [t.seconds for t in only(export).tracks] == [0, 5999, 6000, 6258, 14459]


def test_track_one_starting_late_gets_index_00() -> None:
    export = build_cue(tracklist(row(1, "A", "One", 30), row(2, "B", "Two", 300)))
    sheet = only(export)
    assert [(t.index00, t.seconds) for t in sheet.tracks] == [(0, 30), (None, 300)]
    assert "    INDEX 00 00:00:00\r\n    INDEX 01 00:30:00\r\n" in export.files[0].text


def test_missing_cues_interpolated_and_flagged() -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One"),  # no cue on track 1: starts at 0
            row(2, "B", "Two", 200),
            row(3, "C", "Three"),
            row(4, "D", "Four"),
            row(5, "E", "Five", 500),
            row(6, "F", "Six", 740),
            row(7, "G", "Seven", 1000),
            row(8, "H", "Eight"),
            w("H2", "With Eight"),
            row(9, "I", "Nine"),
        )
    )
    sheet = only(export)
    # Between cues: linear. After the last: the median of the known lengths 240 and 260.
    assert [t.seconds for t in sheet.tracks] == [0, 200, 300, 400, 500, 740, 1000, 1250, 1500]
    flagged = [t.number for t in sheet.tracks if t.comment == "cue interpolated"]
    assert flagged == [1, 3, 4, 8, 9]
    assert all(t.comment is None for t in sheet.tracks if t.number not in flagged)
    assert export.warnings == (
        # Named by the numbers the table shows: the "w/" row has none, so I is row 9.
        "rows 8 and 9, after the last cue 16:40, placed 4:10 apart (the median known track length)",
        "rows 1, 3, 4, 8 and 9 without a usable cue time: interpolated, and marked"
        " 'cue interpolated' in the sheet",
    )


def test_interpolation_after_the_last_cue_without_known_lengths_uses_5_minutes() -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One", 0),
            row(2, "B", "Two"),
            row(3, "C", "Three", 90),
            row(4, "D", "Four"),
            row(5, "E", "Five"),
        )
    )
    sheet = only(export)
    assert [t.seconds for t in sheet.tracks] == [0, 45, 90, 390, 690]
    assert export.warnings[0] == (
        "rows 4 and 5, after the last cue 1:30, placed 5:00 apart (no track length is known)"
    )


def test_interpolation_with_more_tracks_than_seconds_uses_frames() -> None:
    rows = [
        row(1, "A", "One", 0),
        *(row(n, f"X{n}", "T") for n in range(2, 12)),
        row(12, "B", "Two", 5),
    ]
    sheet = only(build_cue(tracklist(*rows)))
    frames = [t.frames for t in sheet.tracks]
    assert frames[0] == 0 and frames[-1] == 5 * 75
    assert frames == sorted(set(frames))  # 11 steps in 375 frames: all distinct
    assert frames[1] == 375 // 11


def test_missing_cues_left_out_with_a_warning() -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One"),
            row(2, "B", "Two", 200),
            row(3, "C", "Three"),
            w("C2", "With Three"),
            row(4, "D", "Four", 500),
            row(5, "E", "Five"),
        ),
        CueOptions(missing=MissingCues.OMIT),
    )
    sheet = only(export)
    assert summary(sheet) == [("B", "Two", 200), ("D", "Four", 500)]
    assert sheet.tracks[0].index00 == 0  # the first track left starts late
    assert all(t.comment is None for t in sheet.tracks)
    assert export.warnings == ("rows 1, 3 and 5 without a usable cue time: left out of the sheet",)


@pytest.mark.parametrize("missing", list(MissingCues))
def test_backwards_and_equal_cues_are_treated_as_missing(missing: MissingCues) -> None:
    export = build_cue(
        tracklist(
            row(1, "A", "One", 0),
            row(2, "B", "Two", 300),
            row(3, "C", "Three", 240),  # backwards
            row(4, "D", "Four", 600),
            row(5, "E", "Five", 600),  # equal
            row(6, "F", "Six", 900),
        ),
        CueOptions(missing=missing),
    )
    sheet = only(export)
    warned = (
        "row 3 (C - Three): cue 4:00 is not after the earlier cue 5:00: treated as missing",
        "row 5 (E - Five): cue 10:00 is not after the earlier cue 10:00: treated as missing",
    )
    assert export.warnings[:2] == warned
    if missing is MissingCues.INTERPOLATE:
        assert summary(sheet) == [
            ("A", "One", 0),
            ("B", "Two", 300),
            ("C", "Three", 450),
            ("D", "Four", 600),
            ("E", "Five", 750),
            ("F", "Six", 900),
        ]
        assert [t.number for t in sheet.tracks if t.comment] == [3, 5]
        assert export.warnings[2:] == (
            "rows 3 and 5 without a usable cue time: interpolated, and marked"
            " 'cue interpolated' in the sheet",
        )
    else:
        assert summary(sheet) == [
            ("A", "One", 0),
            ("B", "Two", 300),
            ("D", "Four", 600),
            ("F", "Six", 900),
        ]
        assert export.warnings[2:] == (
            "rows 3 and 5 without a usable cue time: left out of the sheet",
        )


def test_one_typo_cue_does_not_throw_away_the_cues_after_it() -> None:
    # 1:40:00 where 10:00 was meant: the rows after it still rise, so the typo is the odd one out.
    export = build_cue(
        tracklist(
            row(1, "A", "One", 0),
            row(2, "B", "Two", 300),
            row(3, "C", "Three", 6000),
            row(4, "D", "Four", 900),
            row(5, "E", "Five", 1200),
        ),
        CueOptions(missing=MissingCues.OMIT),
    )
    assert [t.seconds for t in only(export).tracks] == [0, 300, 900, 1200]
    assert export.warnings[0] == (
        "row 3 (C - Three): cue 1:40:00 is not before the later cue 15:00: treated as missing"
    )


def test_a_zero_cue_after_a_track_one_without_cue_is_not_a_second_start() -> None:
    export = build_cue(tracklist(row(1, "A", "One"), row(2, "B", "Two", 0), row(3, "C", "3", 400)))
    assert [t.seconds for t in only(export).tracks] == [0, 200, 400]
    assert export.warnings[0] == (
        "row 2 (B - Two): cue 0:00 is not after the earlier cue 0:00: treated as missing"
    )


def test_negative_cues_are_treated_as_missing() -> None:
    export = build_cue(
        tracklist(row(1, "A", "One", 0), row(2, "B", "Two", -5), row(3, "C", "3", 60))
    )
    assert [t.seconds for t in only(export).tracks] == [0, 30, 60]
    assert export.warnings[0] == "row 2 (B - Two): cue -5 s is negative: treated as missing"


@pytest.mark.parametrize("bom", [False, True])
def test_bom_on_and_off(bom: bool) -> None:
    export = build_cue(tracklist(row(1, "Björk", "Jóga", 0)), CueOptions(bom=bom))
    (cue,) = export.files
    assert cue.bom is bom
    assert cue.encoded().startswith(codecs.BOM_UTF8) is bom
    assert cue.encoded().count(codecs.BOM_UTF8) == int(bom)
    assert summary(read_back(cue)) == [("Björk", "Jóga", 0)]


def test_mp3_file_type_and_its_default_name() -> None:
    export = build_cue(
        tracklist(row(1, "A", "One", 0), row(2, "B", "Two", 60)),
        CueOptions(file_type=FileType.MP3),
    )
    (cue,) = export.files
    assert cue.name == "adam-beyer-drumcode-radio-700-stockholm-2024-05-01.cue"
    assert 'FILE "adam-beyer-drumcode-radio-700-stockholm-2024-05-01.mp3" MP3\r\n' in cue.text
    sheet = read_back(cue)
    assert (sheet.file, sheet.file_type) == (
        "adam-beyer-drumcode-radio-700-stockholm-2024-05-01.mp3",
        "MP3",
    )


def test_file_name_option() -> None:
    export = build_cue(
        tracklist(row(1, "A", "One", 0)),
        CueOptions(file_name="  Åre Drumcode 700 (Live).flac ", file_type=FileType.WAVE),
    )
    (cue,) = export.files
    assert cue.name == "Åre Drumcode 700 (Live).cue"
    assert read_back(cue).file == "Åre Drumcode 700 (Live).flac"


def test_default_names_for_a_title_without_latin_letters() -> None:
    export = build_cue(tracklist(row(1, "A", "One", 0), title="坂本龍一"))
    assert export.files[0].name == "tracklist-2x9kv3j1.cue"
    assert read_back(export.files[0]).file == "tracklist-2x9kv3j1.wav"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "the audio file name is empty: give one such as 'mix.wav', or none for the default"),
        ("   ", "the audio file name is empty"),
        (
            'my "best" mix.wav',
            "the audio file name 'my \"best\" mix.wav' contains a double quote or a control"
            " character, which a CUE sheet cannot hold: rename the file, e.g. to 'mix.wav'",
        ),
        ("two\nlines.wav", "contains a double quote or a control character"),
    ],
)
def test_bad_file_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(CueRefused) as refused:
        build_cue(tracklist(row(1, "A", "One", 0)), CueOptions(file_name=name))
    assert message in str(refused.value)


def test_from_a_site_page_to_a_sheet() -> None:
    """The whole way: a realistic page, parsed, exported, read back."""
    rows = [
        pages.Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0),
        pages.Row("Tale Of Us & Mind Against", "Astral", remix="Afterlife Remix", cue=204),
        pages.Row("Anyma ft. Chris Avantgarde", "Eternity", cue=0),  # on a cued page: no cue
        pages.Row("Someone", "Other Track", with_previous=True),
        pages.Header("Set 2: live from the main stage"),
        pages.Suggestion("Fan", "Guess"),
        pages.Row(ID, ID, cue=600),
        pages.Row("Mathame", ID, cue=700),
        pages.Row("Mashup Maker", "Big Mashup", cue=800),
        pages.Row("Part A", "Song A", mashup_part=True),
        pages.Row("Part B", "Song B", mashup_part=True),
    ]
    path = pages.tracklist_path("2k3l4m9", "artbat-tomorrowland-2023-07-21")
    parsed = parse_tracklist(pages.tracklist_page(rows=rows), pages.BASE_URL + path)
    export = build_cue(parsed)
    sheet = only(export)
    assert sheet.title == "ARTBAT @ Tomorrowland, Boom, Belgium 2023-07-21"
    assert (sheet.performer, sheet.genre, sheet.year) == ("ARTBAT", "Techno", 2023)
    assert sheet.comment == pages.BASE_URL + path
    assert summary(sheet) == [
        ("ARTBAT", "Horizon", 0),
        ("Tale Of Us & Mind Against", "Astral (Afterlife Remix)", 204),
        ("Anyma ft. Chris Avantgarde", "Eternity w/ Someone - Other Track", 402),
        ("ID", "ID", 600),
        ("Mathame", "ID", 700),
        ("Mashup Maker", "Big Mashup + Part A - Song A + Part B - Song B", 800),
    ]
    assert [t.comment for t in sheet.tracks][2] == "cue interpolated"


def test_from_a_long_site_page_to_split_sheets() -> None:
    path = pages.tracklist_path("9z8y7x", "long-set")
    page = pages.tracklist_page(
        "9z8y7x", "long-set", "A Long Set", rows=pages.generated_rows(150, spacing=60, variety=True)
    )
    parsed = parse_tracklist(page, pages.BASE_URL + path)
    with pytest.raises(CueRefused, match="150 tracks: a CUE sheet holds at most 99"):
        build_cue(parsed)
    export = build_cue(parsed, CueOptions(too_many=TooManyTracks.SPLIT))
    sheets = read_all(export)
    assert [len(s.tracks) for s in sheets] == [75, 75]
    assert [t.seconds for s in sheets for t in s.tracks] == [n * 60 for n in range(150)]
    assert "    INDEX 01 149:00:00\r\n" in export.files[1].text


def test_a_site_page_without_cues_is_refused() -> None:
    path = pages.tracklist_path("n0cue5", "no-cues")
    page = pages.tracklist_page("n0cue5", "no-cues", rows=pages.generated_rows(12), cues=False)
    with pytest.raises(CueRefused, match="no row has a cue time"):
        build_cue(parse_tracklist(page, pages.BASE_URL + path))


def test_no_option_ever_produces_an_invalid_sheet() -> None:
    """Random tracklists (cues missing, backwards, equal; w/ rows, mashups, IDs, long and odd text)
    under every combination of options: each sheet is valid and read back, or refused."""
    rng = random.Random(4)
    words = ["Ø", 'say "hi"', "x" * 90, "Björk", "ID", "A\tB", "  ", "坂本", "#1", "AC/DC"]
    made = refused = 0
    for case in range(120):
        rows = []
        cue = 0
        for n in range(rng.choice([1, 2, 5, 40, 130])):
            kind = rng.random()
            cue += rng.choice([0, 1, 30, 240, 400])
            rows.append(
                row(
                    None if kind < 0.15 else n + 1,
                    rng.choice([*words, None]),
                    rng.choice([*words, None]),
                    rng.choice([cue, cue, cue, None, max(0, cue - 500)]),
                    with_previous=0.05 < kind < 0.15,
                    mashup=kind <= 0.05,
                    is_id=rng.random() < 0.1,
                )
            )
        options = CueOptions(
            file_type=rng.choice(list(FileType)),
            bom=rng.random() < 0.5,
            missing=rng.choice(list(MissingCues)),
            too_many=rng.choice(list(TooManyTracks)),
        )
        try:
            export = build_cue(tracklist(*rows, title=rng.choice(words)), options)
        except CueRefused as error:
            refused += 1
            assert str(error), case
            continue
        made += 1
        sheets = read_all(export)
        starts = [t.frames for s in sheets for t in s.tracks]
        assert starts == sorted(set(starts)), case  # absolute times rise across split parts too
    assert made > 60 and refused > 5
