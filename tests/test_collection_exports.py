"""The playlists DJ software imports: M3U8 and Rekordbox XML, checked against the structure
Rekordbox reads (DJ_PLAYLISTS → PRODUCT, COLLECTION of TRACKs, PLAYLISTS → ROOT → playlist)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from domain.collection.exports import ExportTrack, file_url, m3u8, mapped_path, rekordbox_xml

ROOT = "/srv/music"
STROBE = ExportTrack(
    id=7,
    path=f"{ROOT}/deadmau5/Strobe (Original Mix).flac",
    artist="deadmau5",
    title="Strobe (Original Mix)",
    album="For Lack of a Better Name",
    genre="Progressive House",
    label="mau5trap",
    year=2009,
    duration=637.4,
    bpm=128.0,
    key="8A",
    bitrate=1012,
    sample_rate=44100,
    size=80_000_000,
    format="flac",
    added=date(2026, 12, 1),
)
ROYKSOPP = ExportTrack(
    id=3,
    path=f"{ROOT}/Röyksopp & Robyn/01 #Do It Again?.mp3",
    artist='Röyksopp & Robyn <"live">',
    title="Do It Again\x01",
    duration=None,
    bpm=None,
    key="not a key",
    format="mp3",
)
NO_TAGS = ExportTrack(id=9, path=f"{ROOT}/unsorted/track09.wav", format="wav")

# The attributes Rekordbox's importer reads on a COLLECTION track.
TRACK_ATTRIBUTES = {
    "TrackID", "Name", "Artist", "Album", "Genre", "Label", "Kind", "Size", "TotalTime", "Year",
    "AverageBpm", "BitRate", "SampleRate", "Comments", "Tonality", "Location",
}  # fmt: skip


def parsed(xml: bytes) -> ET.Element:
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(xml)  # noqa: S314 (our own output, not untrusted input)


def test_rekordbox_xml_has_the_structure_rekordbox_imports() -> None:
    root = parsed(rekordbox_xml([STROBE, ROYKSOPP, NO_TAGS], playlist="Peak time"))
    assert (root.tag, root.attrib["Version"]) == ("DJ_PLAYLISTS", "1.0.0")
    assert [child.tag for child in root] == ["PRODUCT", "COLLECTION", "PLAYLISTS"]
    assert root.find("PRODUCT").attrib["Name"] == "crateloop"  # type: ignore[union-attr]

    collection = root.find("COLLECTION")
    assert collection is not None and collection.attrib["Entries"] == "3"
    tracks = collection.findall("TRACK")
    assert [t.attrib["TrackID"] for t in tracks] == ["7", "3", "9"]
    assert all(set(t.attrib) >= TRACK_ATTRIBUTES for t in tracks)

    (top,) = root.findall("PLAYLISTS/NODE")
    assert top.attrib == {"Type": "0", "Name": "ROOT", "Count": "1"}
    (playlist,) = top.findall("NODE")
    assert playlist.attrib == {"Name": "Peak time", "Type": "1", "KeyType": "0", "Entries": "3"}
    keys = [entry.attrib["Key"] for entry in playlist.findall("TRACK")]
    assert keys == ["7", "3", "9"]  # in order, each one a TrackID of the collection


def test_bpm_key_and_the_rest_as_rekordbox_spells_them() -> None:
    strobe, royksopp, untagged = parsed(rekordbox_xml([STROBE, ROYKSOPP, NO_TAGS])).findall(
        "COLLECTION/TRACK"
    )
    assert strobe.attrib["AverageBpm"] == "128.00"
    assert strobe.attrib["Tonality"] == "Am"  # 8A
    assert strobe.attrib["TotalTime"] == "637"
    assert strobe.attrib["Kind"] == "FLAC File"
    assert strobe.attrib["DateAdded"] == "2026-12-01"
    assert strobe.attrib["Location"] == (
        "file://localhost/srv/music/deadmau5/Strobe%20%28Original%20Mix%29.flac"
    )
    # Escaped by the writer, characters XML cannot carry dropped, unknowns empty.
    assert royksopp.attrib["Artist"] == 'Röyksopp & Robyn <"live">'
    assert royksopp.attrib["Name"] == "Do It Again"
    assert (royksopp.attrib["AverageBpm"], royksopp.attrib["Tonality"]) == ("0.00", "")
    assert royksopp.attrib["Location"] == (
        "file://localhost/srv/music/R%C3%B6yksopp%20%26%20Robyn/01%20%23Do%20It%20Again%3F.mp3"
    )
    assert untagged.attrib["Name"] == "track09"  # no title: the file's name
    assert (untagged.attrib["Kind"], untagged.attrib["TotalTime"]) == ("WAV File", "0")


def test_an_empty_export_is_still_a_file_rekordbox_opens() -> None:
    root = parsed(rekordbox_xml([]))
    assert root.find("COLLECTION").attrib["Entries"] == "0"  # type: ignore[union-attr]
    assert root.find("PLAYLISTS/NODE/NODE").attrib["Entries"] == "0"  # type: ignore[union-attr]


def test_m3u8_lists_each_file_after_its_extinf_line() -> None:
    text = m3u8([STROBE, ROYKSOPP, NO_TAGS])
    assert text == (
        "#EXTM3U\n"
        "#EXTINF:637,deadmau5 - Strobe (Original Mix)\n"
        f"{ROOT}/deadmau5/Strobe (Original Mix).flac\n"
        '#EXTINF:-1,Röyksopp & Robyn <"live"> - Do It Again\n'
        f"{ROOT}/Röyksopp & Robyn/01 #Do It Again?.mp3\n"
        "#EXTINF:-1,track09\n"
        f"{ROOT}/unsorted/track09.wav\n"
    )


def test_a_line_break_in_a_tag_or_a_path_never_starts_an_entry() -> None:
    broken_tag = ExportTrack(id=1, path=f"{ROOT}/a.mp3", artist="A\nB", title="T\r\nU")
    broken_path = ExportTrack(id=2, path=f"{ROOT}/evil\n/etc/passwd.mp3")
    text = m3u8([broken_tag, broken_path])
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXTINF:-1,A B - T U",
        f"{ROOT}/a.mp3",
        "# left out: file 2, its path holds a control character",
    ]


@pytest.mark.parametrize(
    ("path", "path_map", "shown"),
    [
        (f"{ROOT}/a/b.mp3", {ROOT: "/Users/dj/Music"}, "/Users/dj/Music/a/b.mp3"),
        (f"{ROOT}/a/b.mp3", {ROOT + "/": "/Volumes/USB/"}, "/Volumes/USB/a/b.mp3"),
        (f"{ROOT}/a/b.mp3", {ROOT: "/x", f"{ROOT}/a": "/y"}, "/y/b.mp3"),  # longest first
        (f"{ROOT}2/b.mp3", {ROOT: "/x"}, f"{ROOT}2/b.mp3"),  # a folder, not a text prefix
        (f"{ROOT}/b.mp3", {}, f"{ROOT}/b.mp3"),
    ],
)
def test_paths_can_be_shown_as_the_djs_computer_mounts_them(
    path: str, path_map: dict[str, str], shown: str
) -> None:
    assert mapped_path(path, path_map) == shown


def test_a_windows_path_is_a_rekordbox_location_too() -> None:
    assert (
        file_url("C:\\Users\\dj\\Music\\a b.mp3") == "file://localhost/C:/Users/dj/Music/a%20b.mp3"
    )
    (track,) = parsed(rekordbox_xml([STROBE], path_map={ROOT: "C:/Users/dj/Music"})).findall(
        "COLLECTION/TRACK"
    )
    assert track.attrib["Location"].startswith("file://localhost/C:/Users/dj/Music/deadmau5/")
