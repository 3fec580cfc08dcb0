"""Playlists DJ software imports: M3U8, and Rekordbox XML with BPM and key (issue 12 §5).

Rekordbox reads `DJ_PLAYLISTS` (File → Import → rekordbox xml); Serato and Traktor read the
M3U8, and Traktor and Serato's importers read the Rekordbox XML too (through their own import
tools or third-party converters). Both carry absolute paths: the files as this machine sees them,
or, with `path_map`, as the DJ's computer mounts the same folder ("/srv/music" →
"/Users/dj/Music"). Text is written as it is (XML-escaped by the writer); characters XML 1.0
cannot carry (control characters from old tags) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import quote

from domain.collection.keys import parse_key
from domain.collection.record import CollectionEntry

PRODUCT = "crateloop"
# Rekordbox names each file type so; an unknown one is left for it to read from the file.
_KINDS = {
    "mp3": "MP3 File",
    "m4a": "M4A File",
    "aac": "M4A File",
    "flac": "FLAC File",
    "wav": "WAV File",
    "aiff": "AIFF File",
    "aif": "AIFF File",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEW_LINES = re.compile(r"[\r\n]+")


@dataclass(frozen=True, slots=True)
class ExportTrack:
    """One file as the exports need it; None: not known."""

    id: int
    path: str  # absolute, as this machine sees it
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    genre: str | None = None
    label: str | None = None
    year: int | None = None
    duration: float | None = None  # seconds
    bpm: float | None = None
    key: str | None = None  # any spelling keys.parse_key reads ("A minor", "8A", "Am")
    bitrate: int | None = None  # kbit/s
    sample_rate: int | None = None
    size: int | None = None  # bytes
    format: str | None = None  # "mp3", "flac", …
    comment: str | None = None
    added: date | None = None


def export_track(entry: CollectionEntry) -> ExportTrack:
    """A collection file as the exports take it: the analysed key and BPM, else the tags'."""
    tempo = entry.bpm if entry.bpm is not None else entry.tag_bpm
    return ExportTrack(
        id=entry.id,
        path=str(PurePosixPath(entry.root) / entry.path),
        artist=entry.artist,
        title=entry.title,
        album=entry.album,
        genre=entry.genre,
        label=entry.label,
        year=entry.year,
        duration=entry.duration,
        bpm=float(tempo) if tempo is not None else None,
        key=entry.camelot or entry.tag_key,
        bitrate=entry.bitrate // 1000 if entry.bitrate else None,  # stored in bit/s
        sample_rate=entry.sample_rate,
        size=entry.size,
        format=entry.format,
        comment=entry.comment,
        added=entry.created_at.date(),
    )


def mapped_path(path: str, path_map: Mapping[str, str] | None = None) -> str:
    """`path` with the first matching folder prefix replaced (longest prefix first)."""
    for here, there in sorted((path_map or {}).items(), key=lambda item: -len(item[0])):
        root = here.rstrip("/")
        if path == root or path.startswith(root + "/"):
            return there.rstrip("/") + path[len(root) :]
    return path


def m3u8(tracks: Iterable[ExportTrack], *, path_map: Mapping[str, str] | None = None) -> str:
    """An extended M3U playlist in UTF-8: `#EXTINF:<seconds>,<Artist - Title>` then the path.
    A file whose path holds a line break cannot be written in M3U: it is left out, said in a
    comment line."""
    lines = ["#EXTM3U"]
    for track in tracks:
        path = mapped_path(track.path, path_map)
        if _NEW_LINES.search(path) or _NOT_XML.search(path):
            lines.append(f"# left out: file {track.id}, its path holds a control character")
            continue
        seconds = round(track.duration) if track.duration is not None else -1
        lines.append(f"#EXTINF:{seconds},{_one_line(_shown(track))}")
        lines.append(path)
    return "\n".join(lines) + "\n"


def rekordbox_xml(
    tracks: Sequence[ExportTrack],
    *,
    playlist: str = "crateloop",
    path_map: Mapping[str, str] | None = None,
    version: str = "",
) -> bytes:
    """The Rekordbox collection XML: every track in COLLECTION (BPM as `AverageBpm`, key as
    `Tonality`) and one playlist of them all, in order, under PLAYLISTS."""
    root = ET.Element("DJ_PLAYLISTS", Version="1.0.0")
    ET.SubElement(root, "PRODUCT", Name=PRODUCT, Version=version, Company="")
    collection = ET.SubElement(root, "COLLECTION", Entries=str(len(tracks)))
    for track in tracks:
        ET.SubElement(collection, "TRACK", _track_attributes(track, path_map))
    playlists = ET.SubElement(root, "PLAYLISTS")
    top = ET.SubElement(playlists, "NODE", Type="0", Name="ROOT", Count="1")
    node = ET.SubElement(
        top, "NODE", Name=_text(playlist), Type="1", KeyType="0", Entries=str(len(tracks))
    )
    for track in tracks:
        ET.SubElement(node, "TRACK", Key=str(track.id))
    ET.indent(root, space=" ")
    written: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return written + b"\n"


def file_url(path: str) -> str:
    """A path as Rekordbox's `Location`: file://localhost/ and the path, percent-encoded."""
    if re.match(r"^[A-Za-z]:[\\/]", path):  # a Windows path mapped for the DJ's computer
        path = "/" + path.replace("\\", "/")
    return "file://localhost" + quote(PurePosixPath(path).as_posix(), safe="/:")


def _track_attributes(track: ExportTrack, path_map: Mapping[str, str] | None) -> dict[str, str]:
    key = parse_key(track.key)
    attributes = {
        "TrackID": str(track.id),
        "Name": _text(track.title) or PurePosixPath(track.path).stem,
        "Artist": _text(track.artist),
        "Album": _text(track.album),
        "Genre": _text(track.genre),
        "Label": _text(track.label),
        "Kind": _KINDS.get((track.format or "").lower(), ""),
        "Size": str(track.size or 0),
        "TotalTime": str(round(track.duration or 0)),
        "Year": str(track.year or 0),
        "AverageBpm": f"{track.bpm:.2f}" if track.bpm else "0.00",
        "BitRate": str(track.bitrate or 0),
        "SampleRate": str(track.sample_rate or 0),
        "Comments": _text(track.comment),
        "Tonality": key.short if key else "",
        "Location": file_url(mapped_path(track.path, path_map)),
    }
    if track.added is not None:
        attributes["DateAdded"] = track.added.isoformat()
    return attributes


def _shown(track: ExportTrack) -> str:
    title = track.title or PurePosixPath(track.path).stem
    return f"{track.artist} - {title}" if track.artist else title


def _text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def _one_line(value: str) -> str:
    """An M3U entry is one line: a new line in a tag or a path would start a new entry."""
    return _NEW_LINES.sub(" ", _NOT_XML.sub("", value))
