"""One collection file as the store takes it (`FileRecord`) and as every front reads it
(`CollectionEntry`), with the input rules a record must pass before it is saved."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from domain.collection.keys import camelot
from domain.collection.status import ERROR_MAX
from domain.collection.tags import TEXT_MAX, FileFacts
from domain.library.facts import comparison_key
from domain.models import AudioFormat, CollectionFile, CollectionStatus
from domain.validation import INTEGER_MAX, InputError

_HEX = frozenset("0123456789abcdef")
_TEXT_FIELDS = (
    "artist", "title", "album", "album_artist", "genre", "label", "catalogue_number", "isrc",
    "comment", "tag_key",
)  # fmt: skip
# The unique index on (root, path) holds both in one B-tree entry, which PostgreSQL caps at
# about 2,700 bytes: a longer name is refused with its field rather than failing the insert.
FILE_NAME_BYTES_MAX = 2400


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file's place, identity and reading: what `store.save_file` writes (by root and path)."""

    root: str  # the MUSIC_PATH folder, resolved, as Settings holds it
    path: str  # relative to root, POSIX separators
    size: int
    mtime: float
    content_hash: str  # domain/collection/content_hash.py
    facts: FileFacts

    @property
    def status(self) -> CollectionStatus:
        """A reading's status: FAILED with its reason, else COMPLETED (status.py)."""
        return CollectionStatus.FAILED if self.facts.error else CollectionStatus.COMPLETED


def parse_format(field: str, raw: str) -> AudioFormat:
    """An audio format by name ("MP3", "flac"); refused with the five crateloop reads."""
    try:
        return AudioFormat(raw.strip().lower())
    except ValueError:
        valid = ", ".join(kind.value for kind in AudioFormat)
        raise InputError(field, f"{field} must be one of {valid}") from None


def check_record(record: FileRecord, roots: Collection[Path] | None = None) -> FileRecord:
    """`record` when every field can be stored; InputError naming the first that cannot. With
    `roots` (MUSIC_PATH's folders), a record of any other root is refused too."""
    if not record.root.startswith("/") or "\x00" in record.root:
        raise InputError("root", "root must be an absolute folder (one of MUSIC_PATH's)")
    if roots is not None and Path(record.root) not in roots:
        raise InputError(
            "root",
            f"root {record.root[:80]!r} is not a MUSIC_PATH folder: use one of"
            f" {', '.join(str(root) for root in roots)}",
        )
    parts = PurePosixPath(record.path).parts
    if (
        not parts
        or record.path.startswith("/")
        or any(part in ("..", ".") for part in parts)
        or "\x00" in record.path
        or PurePosixPath(*parts).as_posix() != record.path
    ):
        raise InputError(
            "path", f"path {record.path[:80]!r} must be relative to its root, like 'house/a.mp3'"
        )
    if not _utf8(record.path) or not _utf8(record.root):
        raise InputError("path", "path must be valid UTF-8: rename the file")
    if len(record.root.encode()) + len(record.path.encode()) > FILE_NAME_BYTES_MAX:
        raise InputError(
            "path", f"path must be at most {FILE_NAME_BYTES_MAX} bytes with its root: shorten it"
        )
    if not 0 <= record.size < 2**63:
        raise InputError("size", f"size must be a number of bytes from 0 (got {record.size})")
    if not math.isfinite(record.mtime):
        raise InputError("mtime", "mtime must be a time in seconds since 1970")
    if len(record.content_hash) != 64 or not set(record.content_hash) <= _HEX:
        raise InputError("content_hash", "content_hash must be 64 lowercase hex digits (sha256)")
    _check_facts(record.facts)
    return record


def _utf8(text: str) -> bool:
    """Whether PostgreSQL can store `text` (a file name that is not UTF-8 reaches Python as
    lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_facts(facts: FileFacts) -> None:
    for name in _TEXT_FIELDS:
        value = getattr(facts, name)
        if value is not None and ("\x00" in value or len(value) > TEXT_MAX or not _utf8(value)):
            raise InputError(
                name, f"{name} must be at most {TEXT_MAX} characters of UTF-8, without NUL"
            )
    if facts.error is not None and (
        "\x00" in facts.error or len(facts.error) > ERROR_MAX or not _utf8(facts.error)
    ):
        raise InputError("error", f"error must be at most {ERROR_MAX} characters, without NUL")
    if facts.year is not None and not 1000 <= facts.year <= 2999:
        raise InputError("year", f"year must be from 1000 to 2999 (got {facts.year})")
    # is_finite first: ordering a NaN Decimal raises rather than answering False; and the
    # column keeps two decimals, so 9999.999 would be stored as 10000.00, past its 6 digits.
    if facts.tag_bpm is not None and not (
        facts.tag_bpm.is_finite()
        and Decimal(0) < facts.tag_bpm < Decimal(10_000)
        and round(facts.tag_bpm, 2) < Decimal(10_000)
    ):
        raise InputError(
            "tag_bpm", f"tag_bpm must be above 0 and below 10000 (got {facts.tag_bpm})"
        )
    for name in ("channels", "sample_rate", "bitrate"):
        value = getattr(facts, name)
        if value is not None and not 0 < value <= INTEGER_MAX:
            raise InputError(name, f"{name} must be a whole number above 0")
    if facts.duration is not None and not (math.isfinite(facts.duration) and facts.duration >= 0):
        raise InputError("duration", "duration must be a number of seconds from 0")
    if facts.format is not None and facts.format not in set(AudioFormat):
        valid = ", ".join(kind.value for kind in AudioFormat)
        raise InputError("format", f"format must be one of {valid}")


def row_values(record: FileRecord) -> dict[str, Any]:
    """The columns `record` writes, search texts included (folded in Python: no unaccent)."""
    facts = asdict(record.facts)
    facts.pop("error")
    facts["format"] = record.facts.format.value if record.facts.format else None
    return {
        "root": record.root,
        "path": record.path,
        "size": record.size,
        "mtime": record.mtime,
        "content_hash": record.content_hash,
        "status": record.status.value,
        "error": record.facts.error,
        **facts,
        **search_texts(record.facts),
    }


def search_texts(facts: FileFacts) -> dict[str, str]:
    """The folded texts the weighted search vector is made of: A title and artist, B album and
    label, C genre ("Röyksopp" is stored as "royksopp")."""

    def folded(*texts: str | None) -> str:
        return comparison_key(" ".join(text for text in texts if text))

    return {
        "search_a": folded(facts.title, facts.artist),
        "search_b": folded(facts.album, facts.label),
        "search_c": folded(facts.genre),
    }


@dataclass(frozen=True, slots=True)
class CollectionEntry:
    """One collection file as the pages, the API and the CLI show it."""

    id: int
    root: str
    path: str
    size: int
    mtime: float
    content_hash: str
    status: CollectionStatus
    error: str | None
    retry_count: int
    missing: bool
    missing_since: datetime | None
    artist: str | None
    title: str | None
    album: str | None
    album_artist: str | None
    genre: str | None
    year: int | None
    label: str | None
    catalogue_number: str | None
    isrc: str | None
    comment: str | None
    tag_bpm: Decimal | None
    tag_key: str | None
    duration: float | None
    channels: int | None
    sample_rate: int | None
    bitrate: int | None
    format: str | None
    has_cover: bool
    musical_key: str | None
    camelot: str | None
    open_key: str | None
    key_strength: float | None
    bpm: Decimal | None
    bpm_confidence: float | None
    analysed_at: datetime | None
    analysis_error: str | None
    library_track_id: int | None
    created_at: datetime
    updated_at: datetime
    scanned_at: datetime

    @classmethod
    def of(cls, row: CollectionFile, has_cover: bool) -> CollectionEntry:
        values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name != "has_cover"}
        values["status"] = CollectionStatus(row.status)
        return cls(**values, has_cover=has_cover)

    @property
    def disagreements(self) -> list[str]:
        """Where the tags and the audio differ, as a person reads it: "tag says 8B, audio says
        8A", "tag says 64 BPM, audio says 128.0"."""
        said = []
        tagged = camelot(self.tag_key)
        if tagged and self.camelot and tagged != self.camelot:
            said.append(f"tag says {tagged}, audio says {self.camelot}")
        if self.tag_bpm is not None and self.bpm is not None and abs(self.tag_bpm - self.bpm) > 1:
            said.append(f"tag says {self.tag_bpm.normalize():f} BPM, audio says {self.bpm}")
        return said

    def to_json(self) -> dict[str, Any]:
        """The shape scripts rely on (issue 12 §6). `key` and `bpm` are the analysed values,
        else the tag's until the file is analysed; `tag_key`/`tag_bpm` are always the tag's."""
        return {
            "id": self.id,
            "path": self.path,
            "root": self.root,
            "artist": self.artist,
            "title": self.title,
            "album": self.album,
            "album_artist": self.album_artist,
            "genre": self.genre,
            "year": self.year,
            "label": self.label,
            "catalogue_number": self.catalogue_number,
            "isrc": self.isrc,
            "duration": self.duration,
            "format": self.format,
            "bitrate": self.bitrate,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "size": self.size,
            "status": self.status.value,
            "error": self.error,
            "retry_count": self.retry_count,
            "missing": self.missing,
            "key": self.musical_key or self.tag_key,
            "camelot": self.camelot,
            "open_key": self.open_key,
            "bpm": _number(self.bpm if self.bpm is not None else self.tag_bpm),
            "tag_key": self.tag_key,
            "tag_bpm": _number(self.tag_bpm),
            "key_strength": self.key_strength,
            "bpm_confidence": self.bpm_confidence,
            "analysed_at": self.analysed_at.isoformat() if self.analysed_at else None,
            "analysis_error": self.analysis_error,
            "has_cover": self.has_cover,
            "library_track_id": self.library_track_id,
        }


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
