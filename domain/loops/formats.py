"""Mapping files: reading JSON, CSV and loop-folder scans into rows, and writing JSON and CSV.

Readers stream: a CSV file is decoded and parsed line by line, so memory stays flat. Every row
carries where it came from (`line 7`, `item 3`, a file name) for messages a person can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Literal

from domain.loops.files import LoopPathError, confine
from domain.loops.keys import split_track_text
from domain.loops.rules import SONG_ID_MAX

Format = Literal["json", "csv"]
FIELDS = ("artist", "title", "loop_path", "song_id", "notes")
REQUIRED = ("artist", "title", "loop_path")
# A loop named for an AzuraCast song id has no artist or title: it is stored under this artist
# with the id as its title, so it gets a key of its own and round-trips through export.
SONG_ID_ARTIST = "(song id)"
SCAN_PATTERNS = "artist_-_title.mp4, artist - title.mp4 or track_<song id>_loop.mp4"
_TRACK_ID = re.compile(rf"track_([A-Za-z0-9]{{1,{SONG_ID_MAX}}})_loop")
_BAD_BYTE = re.compile("[\udc80-\udcff]")
_HEADER_HELP = "the header must be artist,title,loop_path and optionally song_id,notes"


class SourceError(ValueError):
    """The file as a whole is unreadable (malformed JSON or CSV, a wrong header)."""


@dataclass(slots=True)
class RawRow:
    """One row as read. Exactly one of `fields`, `error` (unreadable) or `ignored` is set."""

    pos: int  # increasing within a source: the line, item or file number
    where: str  # "line 7", "item 3", "sub/x.mp4"
    fields: dict[str, str | None] | None = None
    error: str | None = None
    ignored: str | None = None


@dataclass(slots=True)
class Progress:
    """How far a reader is, in its own unit (bytes, items or files); `total` may be unknown."""

    done: int = 0
    total: int | None = None


# --- CSV ---------------------------------------------------------------------------------------


def _csv_columns(header: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    for name in columns:
        if _BAD_BYTE.search(name):
            raise SourceError(f"line 1: {_bad_byte_message(name)}")
        if name not in FIELDS:
            raise SourceError(f"line 1: unknown column {name!r}: {_HEADER_HELP}")
        if columns.count(name) > 1:
            raise SourceError(f"line 1: column {name!r} appears twice: {_HEADER_HELP}")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise SourceError(f"line 1: no {', '.join(missing)} column: {_HEADER_HELP}")
    return columns


def _bad_byte_message(value: str, column: str | None = None) -> str:
    found = _BAD_BYTE.search(value)
    byte = f" 0x{ord(found[0]) - 0xDC00:02x}" if found else ""
    where = f" in the {column} value" if column else ""
    return f"not UTF-8: byte{byte}{where} (save the file as UTF-8)"


def _nul_message(names: Iterable[str], values: Iterable[str]) -> str:
    named = ", ".join(n for n, v in zip(names, values, strict=False) if "\x00" in v)
    return f"a NUL character in the {named} value (PostgreSQL cannot store it)"


def _csv_row(pos: int, columns: list[str], record: list[str]) -> RawRow | None:
    where = f"line {pos}"
    joined = "".join(record)
    if not joined.isascii() and _BAD_BYTE.search(joined):
        bad = (c for c, v in zip(columns, record, strict=False) if _BAD_BYTE.search(v))
        return RawRow(pos, where, error=_bad_byte_message(joined, next(bad, None)))
    if "\x00" in joined:
        return RawRow(pos, where, error=_nul_message(columns, record))
    if not joined.strip():
        return None  # blank lines between or after records are harmless
    if len(record) > len(columns):
        return RawRow(
            pos,
            where,
            error=f"{len(record)} fields, but the header names {len(columns)}"
            " (a comma in a value needs double quotes around the value)",
        )
    return RawRow(pos, where, fields=dict(zip(columns, record, strict=False)))


@contextmanager
def _opened(source: Path | BinaryIO) -> Iterator[BinaryIO]:
    """`source` to read bytes from: a file (opened, and closed after) or a stream as it is (an
    upload held in memory: domain/loops/bulk.py)."""
    if isinstance(source, Path):
        with source.open("rb") as stream:
            yield stream
    else:
        yield source


def read_csv(source: Path | BinaryIO, progress: Progress) -> Iterator[RawRow]:
    """Rows of a CSV file or stream with a header line; `where` is the physical line a record
    starts on. A stream is read from where it stands; progress counts its bytes."""
    with _opened(source) as raw:
        start = raw.tell()
        progress.total = raw.seek(0, os.SEEK_END) - start
        raw.seek(start)
        # Bytes that are not UTF-8 become lone surrogates, so one bad row spoils only itself.
        text = io.TextIOWrapper(raw, "utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as error:
            raise SourceError(f"line {reader.line_num}: malformed CSV header: {error}") from error
        if header is None:
            raise SourceError(f"the file is empty: {_HEADER_HELP}")
        columns = _csv_columns(header)
        start = reader.line_num + 1
        for count in itertools.count(1):
            try:
                record = next(reader)
            except StopIteration:
                progress.done = progress.total
                return
            except csv.Error as error:
                raise SourceError(f"line {start}: malformed CSV: {error}") from error
            row = _csv_row(start, columns, record)
            start = reader.line_num + 1
            if count % 1024 == 0:
                progress.done = raw.tell() - start
            if row is not None:
                yield row


# --- JSON ----------------------------------------------------------------------------------------


def _json_item(index: int, item: object) -> RawRow:
    where = f"item {index}"
    if not isinstance(item, dict):
        return RawRow(
            index,
            where,
            error=f"expected an object {{artist, title, loop_path, song_id?, notes?}},"
            f" got {type(item).__name__}",
        )
    fields: dict[str, str | None] = {}
    problems = []
    for name, value in item.items():
        if name not in FIELDS:
            problems.append(f"unknown field {name!r} (valid: {', '.join(FIELDS)})")
        elif isinstance(value, str) and "\x00" in value:
            problems.append(_nul_message([name], [value]))
        elif value is None or isinstance(value, str):
            fields[name] = value
        elif name == "song_id" and isinstance(value, int) and not isinstance(value, bool):
            fields[name] = str(value)
        else:
            problems.append(f"{name} must be a string, not {type(value).__name__}")
    if problems:
        return RawRow(index, where, error="; ".join(problems))
    return RawRow(index, where, fields=fields)


def read_json(source: Path | BinaryIO, progress: Progress) -> Iterator[RawRow]:
    """Rows of a JSON list of objects (a file or a stream); `where` is the item's position,
    counted from 1."""
    with _opened(source) as stream:
        data = stream.read()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(
            f"line {line}: not UTF-8: byte 0x{data[error.start]:02x} at byte offset"
            f" {error.start} (save the file as UTF-8)"
        ) from error
    del data
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(
            f"line {error.lineno} column {error.colno}: malformed JSON: {error.msg}"
        ) from error
    if not isinstance(items, list):
        raise SourceError(
            "expected a JSON list of objects {artist, title, loop_path, song_id?, notes?},"
            f" got {type(items).__name__}"
        )
    progress.total = len(items)
    for index, item in enumerate(items, 1):
        progress.done = index
        yield _json_item(index, item)


# --- folder scan ---------------------------------------------------------------------------------


def parse_loop_name(stem: str) -> dict[str, str | None] | None:
    """Artist, title and song id from a loop's file name (without `.mp4`); None if no pattern."""
    found = _TRACK_ID.fullmatch(stem)
    if found:
        return {"artist": SONG_ID_ARTIST, "title": found[1], "song_id": found[1]}
    if "_-_" in stem:
        artist, _, title = stem.partition("_-_")
        artist, title = artist.replace("_", " ").strip(), title.replace("_", " ").strip()
        if artist and title:
            return {"artist": artist, "title": title}
        return None
    parts = split_track_text(stem)
    if parts is None:
        return None
    return {"artist": parts[0], "title": parts[1]}


def scan_folder(loops_root: Path, directory: Path, progress: Progress) -> Iterator[RawRow]:
    """A row for every `.mp4` under `directory` (which must be inside the loops folder)."""
    try:
        top = confine(loops_root, directory)
    except LoopPathError as error:
        raise SourceError(f"cannot scan {directory}: {error}") from error
    if not top.is_dir():
        raise SourceError(f"cannot scan {directory}: not a folder")
    root = loops_root.resolve()
    pos = 0
    for folder, subfolders, files in os.walk(top):
        subfolders.sort()
        for name in sorted(files):
            if not name.lower().endswith(".mp4"):
                continue
            pos += 1
            progress.done = pos
            path = Path(folder, name)
            where = path.relative_to(root).as_posix()
            fields = parse_loop_name(name[: -len(".mp4")])
            if fields is None:
                yield RawRow(pos, where, ignored=f"name is not {SCAN_PATTERNS}")
            else:
                yield RawRow(pos, where, fields={**fields, "loop_path": str(path)})


# --- writing -------------------------------------------------------------------------------------


def write_csv(rows: Iterable[dict[str, str | None]], out: IO[str]) -> int:
    """Write rows (keys = FIELDS) as CSV with a header line; return how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    count = 0
    for row in rows:
        writer.writerow([row.get(name) or "" for name in FIELDS])
        count += 1
    return count


def write_json(rows: Iterable[dict[str, str | None]], out: IO[str]) -> int:
    """Write rows as a JSON list, one object per line, without holding them all; return how many."""
    count = 0
    out.write("[")
    for row in rows:
        item = {name: row.get(name) for name in FIELDS if row.get(name) is not None}
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
