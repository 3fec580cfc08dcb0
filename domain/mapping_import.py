"""Bulk import of mappings: every row valid and written in one transaction, or nothing written.

Rows are read and validated in Python (path checks are stat calls) a chunk at a time in a worker
thread; meanwhile the previous chunk is streamed with COPY into a temporary table and written with
one `INSERT ... SELECT ... ON CONFLICT`. So parsing overlaps the database's work, memory stays flat
(only the set of keys grows, to find duplicates within the file) and there is no round trip per
row. A bad row anywhere rolls the whole transaction back.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from domain.loop_files import LoopPathError, check_loop_file, relative_to_root
from domain.mapping_formats import RawRow, SourceError
from domain.mappings import TrackMapper
from domain.models import TRACK_KEY_MAX
from domain.track_keys import azuracast_song_id, normalize_track_key

CHUNK_ROWS = 10_000
HOOK_CHUNK = 1000
SONG_ID_MAX = 32
log = logging.getLogger(__name__)
Connection = psycopg.AsyncConnection[TupleRow]
_PATH_CACHE_MAX = 10_000

_CREATE_TEMP = """
CREATE TEMP TABLE import_rows (
    pos integer NOT NULL, label text NOT NULL, track_key text NOT NULL, artist text NOT NULL,
    title text NOT NULL, song_id text NOT NULL, loop_path text NOT NULL, notes text
) ON COMMIT DROP;
CREATE TEMP TABLE import_written (id bigint NOT NULL, track_key text NOT NULL, inserted boolean)
"""
_COPY = (
    "COPY import_rows (pos, label, track_key, artist, title, song_id, loop_path, notes) FROM STDIN"
)
_LABELS = "SELECT pos, label FROM import_rows WHERE pos = ANY(%s)"
_ON_CONFLICT_UPDATE = """
DO UPDATE SET artist = EXCLUDED.artist, title = EXCLUDED.title,
    azuracast_song_id = EXCLUDED.azuracast_song_id, loop_file_path = EXCLUDED.loop_file_path,
    notes = COALESCE(EXCLUDED.notes, m.notes), is_active = true, updated_at = now()
"""
# xmax = 0 on a row this statement inserted; an updated row carries this transaction's id.
_WRITE = """
WITH written AS (
    INSERT INTO track_mappings AS m
        (track_key, artist, title, azuracast_song_id, loop_file_path, notes)
    SELECT track_key, artist, title, song_id, loop_path, notes FROM import_rows
    WHERE pos BETWEEN %s AND %s ORDER BY pos
    ON CONFLICT (track_key) {action}
    RETURNING m.id, m.track_key, (m.xmax = 0) AS inserted
)
INSERT INTO import_written (id, track_key, inserted) SELECT id, track_key, inserted FROM written
"""
_WRITTEN_COUNTS = """
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
    (SELECT count(*) FROM import_rows)
FROM import_written
"""
_OUTCOMES = """
SELECT r.label, r.track_key, w.inserted
FROM import_rows r LEFT JOIN import_written w USING (track_key) ORDER BY r.pos
"""
# In a dry run nothing is written: a row "would be inserted" when its key is not in the table.
_PLANNED = """
SELECT r.label, r.track_key, (m.id IS NULL) AS inserted
FROM import_rows r LEFT JOIN track_mappings m USING (track_key) ORDER BY r.pos
"""
_PLANNED_COUNTS = """
SELECT count(*) FILTER (WHERE m.id IS NULL), count(m.id), count(*)
FROM import_rows r LEFT JOIN track_mappings m USING (track_key)
"""


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class RowProblem:
    pos: int
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    where: str
    outcome: Outcome
    detail: str  # the track key, or why the row was skipped


OnRow = Callable[[RowOutcome], None] | None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    update: bool = False  # existing keys get the file's loop, song id and notes, and reactivate
    dry_run: bool = False  # validate and count, write nothing
    skip_invalid: bool = False  # write the good rows even when some are bad


@dataclass(slots=True)
class ImportReport:
    options: ImportOptions
    added: int = 0
    updated: int = 0
    skipped: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    fatal: str | None = None  # the file as a whole is unreadable
    written: bool = False

    @property
    def invalid(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        """False when the import refused to write (or a dry run found it would refuse)."""
        return self.fatal is None and (not self.problems or self.options.skip_invalid)

    def summary(self) -> str:
        return (
            f"added {self.added}, updated {self.updated}, skipped {self.skipped},"
            f" invalid {self.invalid}"
        )


# What is copied into the temporary table: pos, label, key, artist, title, song id, loop, notes.
_Valid = tuple[int, str, str, str, str, str, str, str | None]


class _RowChecker:
    """Validates rows; remembers recent path checks, since many rows usually share a loop."""

    def __init__(self, loops_root: Path) -> None:
        self.loops_root = loops_root
        self._paths: dict[str, str | LoopPathError] = {}

    def loop_path(self, raw: str) -> str:
        checked = self._paths.get(raw)
        if checked is None:
            try:
                checked = relative_to_root(self.loops_root, check_loop_file(self.loops_root, raw))
            except LoopPathError as error:
                checked = error
            if len(self._paths) >= _PATH_CACHE_MAX:
                self._paths.clear()
            self._paths[raw] = checked
        if isinstance(checked, LoopPathError):
            raise checked
        return checked

    def check(self, row: RawRow) -> _Valid | RowProblem:
        fields = row.fields or {}
        artist = (fields.get("artist") or "").strip()
        title = (fields.get("title") or "").strip()
        raw_path = (fields.get("loop_path") or "").strip()
        song_id = (fields.get("song_id") or "").strip()
        required = (("artist", artist), ("title", title), ("loop_path", raw_path))
        problems = [f"missing {name}" for name, value in required if not value]
        key = normalize_track_key(artist, title)
        if len(key) > TRACK_KEY_MAX:
            problems.append(f"artist and title are longer than {TRACK_KEY_MAX} characters")
        if len(song_id) > SONG_ID_MAX:
            problems.append(f"song_id is longer than {SONG_ID_MAX} characters")
        loop_path = ""
        if raw_path:
            try:
                loop_path = self.loop_path(raw_path)
            except LoopPathError as error:
                problems.append(f"loop_path {error}")
        if problems:
            return RowProblem(row.pos, row.where, "; ".join(problems))
        notes = (fields.get("notes") or "").strip() or None
        song_id = song_id or azuracast_song_id(artist, title)
        return (row.pos, row.where, key, artist, title, song_id, loop_path, notes)


@dataclass(slots=True)
class _Chunk:
    valid: list[_Valid] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored: list[RowOutcome] = field(default_factory=list)
    # (pos, where, key, pos of the row that had the key first): named once that row's label is known
    repeats: list[tuple[int, str, str, int]] = field(default_factory=list)


class _Validator:
    """Reads and checks the rows a chunk at a time (in a worker thread, one chunk at a time)."""

    def __init__(self, rows: Iterable[RawRow], loops_root: Path) -> None:
        self.rows = iter(rows)
        self.checker = _RowChecker(loops_root)
        self.first_pos: dict[str, int] = {}  # key → the row that had it first

    def next_chunk(self) -> _Chunk | None:
        chunk = _Chunk()
        count = 0
        for row in itertools.islice(self.rows, CHUNK_ROWS):
            count += 1
            if row.ignored is not None:
                chunk.ignored.append(RowOutcome(row.where, Outcome.SKIPPED, row.ignored))
            elif row.error is not None:
                chunk.problems.append(RowProblem(row.pos, row.where, row.error))
            else:
                checked = self.checker.check(row)
                if not isinstance(checked, tuple):
                    chunk.problems.append(checked)
                    continue
                first = self.first_pos.setdefault(checked[2], row.pos)
                if first == row.pos:
                    chunk.valid.append(checked)
                else:
                    chunk.repeats.append((row.pos, row.where, checked[2], first))
        return chunk if count else None


class _Rollback(Exception):
    """Ends the transaction without writing (refused or dry run)."""


async def import_mappings(
    mapper: TrackMapper, rows: Iterable[RawRow], options: ImportOptions, *, on_row: OnRow = None
) -> ImportReport:
    """Import rows from a reader of domain.mapping_formats: all or nothing unless skip_invalid.

    `on_row` hears each row's outcome (added, updated or skipped); problems are in the report.
    """
    report = ImportReport(options)
    validator = _Validator(rows, mapper.settings.loops_path)
    async with await psycopg.AsyncConnection.connect(mapper.settings.psycopg_url) as conn:
        try:
            async with conn.transaction():
                await conn.execute(_CREATE_TEMP)
                await _stream(conn, validator, report, on_row)
                if not report.ok or options.dry_run:
                    if report.ok:
                        await _report_outcomes(conn, report, on_row, planned=True)
                    raise _Rollback
                report.written = True
                await _report_outcomes(conn, report, on_row, planned=False)
        except _Rollback:
            pass
        report.problems.sort(key=lambda problem: problem.pos)
        if report.written:
            await mapper.invalidation.publish_all()
            await _loop_changed(conn, mapper)
    return report


async def _stream(
    conn: Connection, validator: _Validator, report: ImportReport, on_row: OnRow
) -> None:
    """COPY and write each chunk while the validator thread prepares the next one."""
    action = _ON_CONFLICT_UPDATE if report.options.update else "DO NOTHING"
    write = _WRITE.format(action=action)
    repeats: list[tuple[int, str, str, int]] = []
    pending = asyncio.ensure_future(asyncio.to_thread(validator.next_chunk))
    try:
        while (chunk := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(validator.next_chunk))
            report.problems += chunk.problems
            report.skipped += len(chunk.ignored)
            repeats += chunk.repeats
            if on_row is not None:
                for outcome in chunk.ignored:
                    on_row(outcome)
            if not chunk.valid:
                continue
            # Rows are copied even once the import is refused: they name the first of a repeat.
            async with conn.cursor().copy(_COPY) as copy:
                for values in chunk.valid:
                    await copy.write_row(values)
            refused = (report.problems or repeats) and not report.options.skip_invalid
            if not refused and not report.options.dry_run:
                await conn.execute(write, (chunk.valid[0][0], chunk.valid[-1][0]))
    except SourceError as error:
        report.fatal = str(error)
    finally:
        await asyncio.gather(pending, return_exceptions=True)  # the thread must not outlive us
    await _name_repeats(conn, repeats, report)


async def _name_repeats(
    conn: Connection, repeats: list[tuple[int, str, str, int]], report: ImportReport
) -> None:
    """A key seen again within the file is a bad row that names the row which had it first."""
    if not repeats:
        return
    cursor = await conn.execute(_LABELS, [[first for *_, first in repeats]])
    labels = {pos: label for pos, label in await cursor.fetchall()}
    report.problems += [
        RowProblem(pos, where, f"duplicate key “{key}”: {labels[first]} has it already")
        for pos, where, key, first in repeats
    ]


async def _report_outcomes(
    conn: Connection, report: ImportReport, on_row: OnRow, *, planned: bool
) -> None:
    """Count added / updated / skipped rows; tell `on_row` about each, streaming from a cursor."""
    if on_row is None:
        cursor = await conn.execute(_PLANNED_COUNTS if planned else _WRITTEN_COUNTS)
        row = await cursor.fetchone()
        assert row is not None
        _tally(report, int(row[0]), int(row[1]), int(row[2]))
        return
    added = existing = total = 0
    async with conn.cursor(name="import_outcomes") as cursor:
        await cursor.execute(_PLANNED if planned else _OUTCOMES)
        async for label, key, inserted in cursor:
            total += 1
            if inserted:
                added += 1
                on_row(RowOutcome(label, Outcome.ADDED, key))
            elif inserted is None or not report.options.update:
                on_row(RowOutcome(label, Outcome.SKIPPED, f"{key} (exists already)"))
            else:
                existing += 1
                on_row(RowOutcome(label, Outcome.UPDATED, key))
    _tally(report, added, existing, total)


def _tally(report: ImportReport, added: int, existing: int, total: int) -> None:
    report.added = added
    report.updated = existing if report.options.update else 0
    report.skipped += total - report.added - report.updated


async def _loop_changed(conn: Connection, mapper: TrackMapper) -> None:
    """Hand the written mapping ids to the loop-check hook, a chunk at a time."""
    if mapper.on_loop_changed is None:
        return
    async with conn.transaction(), conn.cursor(name="written_ids") as cursor:
        await cursor.execute("SELECT id FROM import_written ORDER BY id")
        while ids := [int(row[0]) for row in await cursor.fetchmany(HOOK_CHUNK)]:
            try:
                await asyncio.to_thread(mapper.on_loop_changed, ids)
            except Exception:
                # A loop check is a nicety: never fail an import because the queue is down.
                log.exception("could not queue loop checks for %d mappings", len(ids))
