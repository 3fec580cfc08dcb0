"""Bulk import of mappings: every row valid and written in one transaction, or nothing written.

A worker thread reads and checks the rows a chunk at a time (path checks are stat calls) and
formats them as COPY text; meanwhile the event loop writes the previous chunk. A chunk's new keys
are COPYed straight into track_mappings; keys the table has already are skipped, or upserted
with `--update`. So parsing overlaps the database's work, there is no round trip per row and
memory stays flat: what grows with the file is the set of keys (to find duplicates within it),
one byte per row for its outcome and the ids of updated rows. A bad row anywhere rolls the whole
transaction back.
"""

from __future__ import annotations

import array
import asyncio
import heapq
import itertools
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow

from domain import validation
from domain.loops import rules
from domain.loops.files import LoopPathError, stored_loop
from domain.loops.formats import REQUIRED, RawRow, SourceError
from domain.loops.keys import azuracast_song_id
from domain.loops.mapper import TrackMapper
from domain.validation import InputError

CHUNK_ROWS = 10_000
# The first chunk is small so the database starts working while the thread checks the next one.
FIRST_CHUNK_ROWS = 1000
HOOK_CHUNK = 1000
SWITCH_INTERVAL = 0.0005  # seconds; see _prompt_thread_switches
log = logging.getLogger(__name__)
Connection = psycopg.AsyncConnection[TupleRow]
_PATH_CACHE_MAX = 10_000

# import_rows names every valid row (for duplicate messages and --verbose); import_pending holds
# the rows of one upsert at a time.
_CREATE_TEMP = """
CREATE TEMP TABLE import_rows (pos integer NOT NULL, label text NOT NULL, track_key text NOT NULL)
ON COMMIT DROP;
CREATE TEMP TABLE import_pending (
    track_key text NOT NULL, artist text NOT NULL, title text NOT NULL, song_id text NOT NULL,
    loop_path text NOT NULL, notes text
) ON COMMIT DROP
"""
_COPY_ROWS = "COPY import_rows (pos, label, track_key) FROM STDIN"
_COPY_PENDING = "COPY import_pending FROM STDIN"
_COPY_NEW = """
COPY track_mappings (id, track_key, artist, title, azuracast_song_id, loop_file_path, notes)
FROM STDIN
"""
# Keys never hold a newline (normalize_track_key collapses whitespace): one text parameter is
# far cheaper to send than an array of 10,000.
_EXISTING = (
    "SELECT track_key FROM track_mappings WHERE track_key = ANY(string_to_array(%s, E'\\n'))"
)
# Ids are taken before the COPY so the loop-check hook knows them without reading them back;
# they come as runs [first, last] (one, unless other sessions take ids meanwhile). A literal
# sequence name: looking it up in the query would cost a catalog lookup per row.
_NEW_IDS = """
SELECT min(id), max(id) FROM (
    SELECT id, id - row_number() OVER (ORDER BY id) AS run
    FROM (SELECT nextval('track_mappings_id_seq') AS id FROM generate_series(1, %s)) AS taken
) AS numbered
GROUP BY run ORDER BY 1
"""
_ON_CONFLICT_UPDATE = """
DO UPDATE SET artist = EXCLUDED.artist, title = EXCLUDED.title,
    azuracast_song_id = EXCLUDED.azuracast_song_id, loop_file_path = EXCLUDED.loop_file_path,
    notes = COALESCE(EXCLUDED.notes, m.notes), is_active = true, updated_at = now()
"""
# xmax = 0 on a row this statement inserted; an updated row carries this transaction's id.
_UPSERT = """
WITH pending AS (DELETE FROM import_pending RETURNING *)
INSERT INTO track_mappings AS m
    (track_key, artist, title, azuracast_song_id, loop_file_path, notes)
SELECT track_key, artist, title, song_id, loop_path, notes FROM pending
ON CONFLICT (track_key) {action}
RETURNING m.id, m.track_key, (m.xmax = 0) AS inserted
"""
_KEY_CONSTRAINT = "track_mappings_track_key_key"  # PostgreSQL's name for UNIQUE (track_key)
_LABELS = "SELECT pos, label FROM import_rows WHERE pos = ANY(%s)"
_ROWS_IN_ORDER = "SELECT pos, label, track_key FROM import_rows ORDER BY pos"
_NEEDS_ESCAPE = re.compile(r"[\\\n\r]")  # and tabs within a field
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    SKIPPED = "skipped"


# A row's outcome as one byte (0: not a valid row).
_CODES = {Outcome.ADDED: 1, Outcome.UPDATED: 2, Outcome.SKIPPED: 3}
_OUTCOMES = {code: outcome for outcome, code in _CODES.items()}


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


# A checked row: pos, where, key, artist, title, song id, loop path, notes.
_Valid = tuple[int, str, str, str, str, str, str, str | None]


def _copy_line(fields: tuple[str, ...]) -> str:
    """The fields as a line of COPY's text format (without the newline), escaped if need be."""
    line = "\t".join(fields)
    if line.count("\t") >= len(fields) or _NEEDS_ESCAPE.search(line):
        line = "\t".join([field.translate(_COPY_ESCAPES) for field in fields])
    return line


class _RowChecker:
    """Validates rows; remembers recent path checks, since many rows usually share a loop."""

    def __init__(self, loops_root: Path) -> None:
        self.loops_root = loops_root
        self._paths: dict[str, str | LoopPathError] = {}

    def loop_path(self, raw: str) -> str:
        checked = self._paths.get(raw)
        if checked is None:
            try:
                checked = stored_loop(self.loops_root, raw)
            except LoopPathError as error:
                checked = error
            if len(self._paths) >= _PATH_CACHE_MAX:
                self._paths.clear()
            self._paths[raw] = checked
        if isinstance(checked, LoopPathError):
            raise checked
        return checked

    def check(self, row: RawRow) -> _Valid | RowProblem:
        """The row by the mapping rules of domain.validation (those the API and pages apply)."""
        fields = row.fields or {}
        try:
            artist = validation.required_text("artist", fields.get("artist"))
            title = validation.required_text("title", fields.get("title"))
            raw_path = validation.required_text("loop_path", fields.get("loop_path"))
            key = rules.track_key(artist, title)
            song_id = rules.song_id(fields.get("song_id"))
            notes = rules.notes(fields.get("notes"))
            loop_path = self.loop_path(raw_path)
        except (InputError, LoopPathError):
            return RowProblem(row.pos, row.where, "; ".join(self._problems(fields)))
        song_id = song_id or azuracast_song_id(artist, title)
        return (row.pos, row.where, key, artist, title, song_id, loop_path, notes)

    def _problems(self, fields: dict[str, str | None]) -> list[str]:
        """Every rule a bad row breaks, not just the first (only bad rows come here)."""
        artist, title, raw_path = ((fields.get(name) or "").strip() for name in REQUIRED)
        checks: list[tuple[Callable[..., object], tuple[str | None, ...]]] = [
            *((validation.required_text, (name, fields.get(name))) for name in REQUIRED),
            (rules.track_key, (artist, title)),
            (rules.song_id, (fields.get("song_id"),)),
            (rules.notes, (fields.get("notes"),)),
        ]
        problems = []
        for rule, args in checks:
            try:
                rule(*args)
            except InputError as error:
                problems.append(str(error))
        if raw_path:
            try:
                self.loop_path(raw_path)
            except LoopPathError as error:
                problems.append(f"loop_path {error}")
        return problems


@dataclass(slots=True)
class _Chunk:
    # The valid rows, in file order: position, key and COPY text (key, artist, title, song id,
    # loop path, notes).
    positions: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    labels: str = ""  # COPY text for import_rows
    problems: list[RowProblem] = field(default_factory=list)
    ignored: list[RowOutcome] = field(default_factory=list)
    # (pos, where, key, pos of the row that had the key first): named once that row's label is known
    repeats: list[tuple[int, str, str, int]] = field(default_factory=list)

    def add(self, valid: _Valid) -> None:
        pos, _, key, artist, title, song_id, loop_path, notes = valid
        self.positions.append(pos)
        self.keys.append(key)
        if notes is None:
            self.lines.append(_copy_line((key, artist, title, song_id, loop_path)) + "\t\\N\n")
        else:
            self.lines.append(_copy_line((key, artist, title, song_id, loop_path, notes)) + "\n")


class _Validator:
    """Reads, checks and formats the rows a chunk at a time (in a worker thread)."""

    def __init__(self, rows: Iterable[RawRow], loops_root: Path) -> None:
        self.rows = iter(rows)
        self.checker = _RowChecker(loops_root)
        self.first_pos: dict[str, int] = {}  # key → the row that had it first
        self.size = FIRST_CHUNK_ROWS

    def next_chunk(self) -> _Chunk | None:
        chunk = _Chunk()
        labels: list[str] = []
        count = 0
        for row in itertools.islice(self.rows, self.size):
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
                    chunk.add(checked)
                    labels.append(_copy_line((str(row.pos), row.where, checked[2])) + "\n")
                else:
                    chunk.repeats.append((row.pos, row.where, checked[2], first))
        self.size = CHUNK_ROWS
        chunk.labels = "".join(labels)
        return chunk if count else None


class _Writer:
    """Writes (or, in a dry run, plans) chunks and remembers each row's outcome and written ids."""

    def __init__(self, conn: Connection, options: ImportOptions) -> None:
        self.conn = conn
        self.options = options
        self.upsert = _UPSERT.format(action=_ON_CONFLICT_UPDATE if options.update else "DO NOTHING")
        self.codes = bytearray()  # outcome code by row position
        self.counts = dict.fromkeys(Outcome, 0)
        self.id_ranges: list[list[int]] = []  # [first, last] ids of the rows copied in
        self.upserted_ids = array.array("q")
        self.overlaps = False  # the file has keys the table has: look keys up before writing

    async def remember(self, chunk: _Chunk) -> None:
        """Name the chunk's rows in import_rows."""
        async with self.conn.cursor().copy(_COPY_ROWS) as copy:
            await copy.write(chunk.labels)

    async def write(self, chunk: _Chunk) -> None:
        """Add the chunk's new keys; skip the existing ones, or upsert them with --update."""
        if not (self.options.dry_run or self.overlaps):
            # Until a key turns out to exist, COPY without looking keys up (a first import).
            if await self._copy(chunk, range(len(chunk.keys))):
                return
            self.overlaps = True
        cursor = await self.conn.execute(_EXISTING, ["\n".join(chunk.keys)])
        existing = {key for (key,) in await cursor.fetchall()}
        new = [i for i, key in enumerate(chunk.keys) if key not in existing]
        old = [i for i, key in enumerate(chunk.keys) if key in existing]
        if old and self.options.update and not self.options.dry_run:
            await self._upsert(chunk, old)
        elif old:
            self._mark(chunk, old, Outcome.UPDATED if self.options.update else Outcome.SKIPPED)
        if self.options.dry_run:
            self._mark(chunk, new, Outcome.ADDED)
        elif new and not await self._copy(chunk, new):
            # Another session added one of these keys since we looked: ON CONFLICT sorts it out.
            await self._upsert(chunk, new)

    async def _copy(self, chunk: _Chunk, rows: Sequence[int]) -> bool:
        """COPY the rows in as new mappings; False, writing nothing, when a key exists already."""
        cursor = await self.conn.cursor(binary=True).execute(_NEW_IDS, [len(rows)])
        runs = [(int(first), int(last)) for first, last in await cursor.fetchall()]
        ids = itertools.chain.from_iterable(range(first, last + 1) for first, last in runs)
        text = "".join([f"{id_}\t{chunk.lines[i]}" for id_, i in zip(ids, rows, strict=True)])
        try:
            async with self.conn.transaction(), self.conn.cursor().copy(_COPY_NEW) as copy:
                await copy.write(text)
        except psycopg.errors.UniqueViolation as error:
            if error.diag.constraint_name != _KEY_CONSTRAINT:
                raise
            return False
        self._mark(chunk, rows, Outcome.ADDED)
        for first, last in runs:
            if self.id_ranges and self.id_ranges[-1][1] + 1 == first:
                self.id_ranges[-1][1] = last
            else:
                self.id_ranges.append([first, last])
        return True

    async def _upsert(self, chunk: _Chunk, rows: Sequence[int]) -> None:
        positions = {chunk.keys[i]: chunk.positions[i] for i in rows}
        async with self.conn.cursor().copy(_COPY_PENDING) as copy:
            await copy.write("".join([chunk.lines[i] for i in rows]))
        cursor = await self.conn.execute(self.upsert)
        for id_, key, inserted in await cursor.fetchall():
            self._set(positions.pop(key), Outcome.ADDED if inserted else Outcome.UPDATED)
            self.upserted_ids.append(id_)
        for pos in positions.values():  # ON CONFLICT DO NOTHING returns nothing for these
            self._set(pos, Outcome.SKIPPED)

    def _mark(self, chunk: _Chunk, rows: Sequence[int], outcome: Outcome) -> None:
        """Record one outcome for many rows (indexes in file order)."""
        if not rows:
            return
        self._make_room(chunk.positions[rows[-1]])
        code, codes, positions = _CODES[outcome], self.codes, chunk.positions
        for i in rows:
            codes[positions[i]] = code
        self.counts[outcome] += len(rows)

    def _set(self, pos: int, outcome: Outcome) -> None:
        self._make_room(pos)
        self.codes[pos] = _CODES[outcome]
        self.counts[outcome] += 1

    def _make_room(self, pos: int) -> None:
        if pos >= len(self.codes):
            self.codes.extend(bytes(pos + CHUNK_ROWS - len(self.codes)))

    def written_ids(self) -> Iterator[int]:
        """Every id added or updated, in order (sequence values only grow)."""
        copied = (i for first, last in self.id_ranges for i in range(first, last + 1))
        return heapq.merge(copied, sorted(self.upserted_ids))

    async def tell(self, on_row: Callable[[RowOutcome], None]) -> None:
        """Each row's outcome, in file order, streamed from a cursor."""
        async with self.conn.cursor(name="import_outcomes") as cursor:
            await cursor.execute(_ROWS_IN_ORDER)
            async for pos, label, key in cursor:
                outcome = _OUTCOMES[self.codes[pos]]
                detail = f"{key} (exists already)" if outcome == Outcome.SKIPPED else key
                on_row(RowOutcome(label, outcome, detail))


class _Rollback(Exception):
    """Ends the transaction without writing (refused or dry run)."""


async def import_mappings(
    mapper: TrackMapper, rows: Iterable[RawRow], options: ImportOptions, *, on_row: OnRow = None
) -> ImportReport:
    """Import rows from a reader of domain.loops.formats: all or nothing unless skip_invalid.

    `on_row` hears each row's outcome (added, updated or skipped); problems are in the report.
    """
    report = ImportReport(options)
    validator = _Validator(rows, mapper.settings.loops_path)
    async with await psycopg.AsyncConnection.connect(mapper.settings.psycopg_url) as conn:
        writer = _Writer(conn, options)
        try:
            async with conn.transaction():
                await conn.execute(_CREATE_TEMP)
                with _prompt_thread_switches():
                    await _stream(conn, validator, writer, report, on_row)
                if report.ok:
                    report.added = writer.counts[Outcome.ADDED]
                    report.updated = writer.counts[Outcome.UPDATED]
                    report.skipped += writer.counts[Outcome.SKIPPED]
                    if on_row is not None:
                        await writer.tell(on_row)
                if not report.ok or options.dry_run:
                    raise _Rollback
                report.written = True
        except _Rollback:
            pass
    report.problems.sort(key=lambda problem: problem.pos)
    if report.written:
        await mapper.invalidation.publish_all()
        await _loop_changed(writer.written_ids(), mapper)
    return report


@contextmanager
def _prompt_thread_switches() -> Iterator[None]:
    """Let the event loop take the GIL from the validator thread within 0.5 ms, not 5 ms."""
    # Every database reply wakes the event loop, which then waits for the GIL while the validator
    # runs, and the database waits with it: ~15% of an import's time at 5 ms, ~8% at 0.5 ms.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


async def _stream(
    conn: Connection, validator: _Validator, writer: _Writer, report: ImportReport, on_row: OnRow
) -> None:
    """Write each chunk while the validator thread prepares the next one."""
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
            if not chunk.keys:
                continue
            # Rows are named even once the import is refused: they name the first of a repeat.
            await writer.remember(chunk)
            if not (report.problems or repeats) or report.options.skip_invalid:
                await writer.write(chunk)
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


async def _loop_changed(ids: Iterator[int], mapper: TrackMapper) -> None:
    """Hand the written mapping ids to the loop-check hook, a chunk at a time."""
    if mapper.on_loop_changed is None:
        return
    while batch := list(itertools.islice(ids, HOOK_CHUNK)):
        try:
            await asyncio.to_thread(mapper.on_loop_changed, batch)
        except Exception:
            # A loop check is a nicety: never fail an import because the queue is down.
            log.exception("could not queue loop checks for %d mappings", len(batch))
