"""Scanning the collection (issue 12 §1): walk the roots (or one folder in them), read what is new
or changed, keep the rest.

- Incremental: a file whose size and mtime match its row is not read again (unless `full`).
- A row whose file is gone is marked `missing`, never deleted; one that comes back is present
  again.
- A new file whose content hash matches a missing row takes that row (a rename or a move keeps
  its id). Rows of vanished files are marked missing before new files are read, so a file
  moved within one scan is found the same way as one moved between scans.
- A file that cannot be read is a FAILED row with its reason; a file gone while it was being
  read is left out (its row, if any, is missing). Nothing stops the scan.
- Writes go in batches of WRITE_BATCH rows; `progress(done, total)` is awaited once the walk is
  done and after every READ_GROUP files read.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.collection import inventory, store
from domain.collection.content_hash import content_hash
from domain.collection.inventory import UNREADABLE_HASH, KnownFile
from domain.collection.record import FileRecord, check_record
from domain.collection.roots import ScanScope, root_of, scan_scopes
from domain.collection.tags import GONE, FileFacts, read_file
from domain.collection.walk import FoundFile, Walk, walk_scope
from domain.config import Settings
from domain.db import Sessions
from domain.validation import InputError

log = logging.getLogger(__name__)

WRITE_BATCH = 500
SKIPPED_SHOWN = 100  # skipped paths a summary lists (a job's summary is kept in Redis)
READ_GROUP = 25  # files read per trip to a thread (a trip per file costs as much as a read)
Progress = Callable[[int, int], Awaitable[None]]


@dataclass(slots=True)
class ScanSummary:
    """What one scan did, counted."""

    found: int = 0  # audio files under the scanned folders
    read: int = 0  # new or changed files read (failed ones included)
    unchanged: int = 0  # same size and mtime: not read
    failed: int = 0  # read, but not readable audio: FAILED rows
    moved: int = 0  # renamed or moved files that kept their row
    missing: int = 0  # rows newly marked missing
    gone: int = 0  # files that vanished while the scan read them
    skipped: list[str] = field(default_factory=list)  # the first SKIPPED_SHOWN, with the reason
    skipped_count: int = 0  # every path passed by (the log has each)

    def skip(self, line: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < SKIPPED_SHOWN:
            # A name that is not UTF-8 is shown with its bytes escaped: Redis and JSON take it.
            self.skipped.append(line.encode("utf-8", "backslashreplace").decode("utf-8"))

    @property
    def text(self) -> str:
        """ "1,204 files: 12 read (1 failed), 1,190 unchanged, 2 moved, 3 missing"."""
        parts = [
            f"{self.read:,} read" + (f" ({self.failed:,} failed)" if self.failed else ""),
            f"{self.unchanged:,} unchanged",
        ]
        for count, what in ((self.moved, "moved"), (self.missing, "missing"), (self.gone, "gone")):
            if count:
                parts.append(f"{count:,} {what}")
        if self.skipped_count:
            parts.append(f"{self.skipped_count:,} skipped")
        return f"{self.found:,} files: {', '.join(parts)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "read": self.read,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "moved": self.moved,
            "missing": self.missing,
            "gone": self.gone,
            "skipped": list(self.skipped),
            "skipped_count": self.skipped_count,
            "text": self.text,
        }


async def scan_collection(
    sessions: Sessions,
    settings: Settings,
    folder: str | Path | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> ScanSummary:
    """Scan every MUSIC_PATH root, or `folder` inside one (InputError("dir") for a folder
    outside them); `full` reads every file again."""
    scopes = scan_scopes(settings, folder)
    roots = settings.collection.music_paths
    walks = [await asyncio.to_thread(walk_scope, scope, roots) for scope in scopes]
    summary = ScanSummary(found=sum(len(w.files) for w in walks))
    done = 0
    for scope, walk in zip(scopes, walks, strict=True):
        for line in walk.skipped:
            summary.skip(line)
        done = await _scan_scope(sessions, scope, roots, walk, summary, full, done, progress)
    log.info("collection scan: %s", summary.text)
    return summary


async def _scan_scope(
    sessions: Sessions,
    scope: ScanScope,
    roots: tuple[Path, ...],
    walk: Walk,
    summary: ScanSummary,
    full: bool,
    done: int,
    progress: Progress | None,
) -> int:
    root = str(scope.root)
    known = await inventory.known_files(sessions, root, scope.prefix)
    present = {found.path for found in walk.files}
    vanished = [
        row.id
        for path, row in known.items()
        if path not in present and not row.missing and not _under(path, walk.unlisted)
    ]
    await inventory.mark_missing(sessions, vanished, missing=True)
    summary.missing += len(vanished)
    to_read = [found for found in walk.files if full or _changed(found, known.get(found.path))]
    reading = {found.path for found in to_read}
    kept = [known[f.path] for f in walk.files if f.path not in reading]
    await inventory.mark_missing(sessions, [row.id for row in kept if row.missing], missing=False)
    summary.unchanged += len(kept)
    done += len(kept)
    if progress is not None:
        await progress(done, summary.found)
    batch: list[FileRecord] = []
    gone: list[int] = []
    for start in range(0, len(to_read), READ_GROUP):
        group = to_read[start : start + READ_GROUP]
        records = await asyncio.to_thread(_read_group, scope.root, roots, group)
        for found, record in zip(group, records, strict=True):
            if record is None:
                summary.gone += 1
                summary.skip(f"{found.path}: vanished while the scan read it")
                if found.path in known:
                    gone.append(known[found.path].id)
            else:
                try:
                    batch.append(check_record(record))
                except InputError as error:  # a name PostgreSQL cannot store: one file, not all
                    summary.skip(f"{found.path}: {error}")
                    continue
                summary.read += 1
                summary.failed += record.facts.error is not None
        done += len(group)
        if len(batch) >= WRITE_BATCH:
            summary.moved += await _write(sessions, batch, known)
            batch = []
        if progress is not None:
            await progress(done, summary.found)
    summary.moved += await _write(sessions, batch, known)
    await inventory.mark_missing(sessions, gone, missing=True)
    summary.missing += len(gone)
    return done


def _changed(found: FoundFile, row: KnownFile | None) -> bool:
    return row is None or row.size != found.size or row.mtime != found.mtime


def _under(path: str, folders: Sequence[str]) -> bool:
    """Whether `path` lies in one of `folders` ("." is the whole root)."""
    return any(folder == "." or path.startswith(f"{folder}/") for folder in folders)


def _read_group(
    root: Path, roots: tuple[Path, ...], group: Sequence[FoundFile]
) -> list[FileRecord | None]:
    return [_read(root, roots, found) for found in group]


def _read(root: Path, roots: tuple[Path, ...], found: FoundFile) -> FileRecord | None:
    """The record of one file, read now; None when it vanished before it could be read."""
    # Resolved again at reading time: a link swapped since the walk must not lead out.
    real = Path(os.path.realpath(root / found.path))
    if root_of(roots, real) is None:
        facts = FileFacts(error="a symlink pointing outside MUSIC_PATH: not read")
        return FileRecord(str(root), found.path, found.size, found.mtime, UNREADABLE_HASH, facts)
    facts = read_file(real)
    if facts.error == GONE:
        return None
    try:
        digest = content_hash(real)
    except FileNotFoundError:
        return None
    except OSError:
        digest = UNREADABLE_HASH  # read_file said why (permission denied…)
    return FileRecord(str(root), found.path, found.size, found.mtime, digest, facts)


async def _write(sessions: Sessions, batch: list[FileRecord], known: dict[str, KnownFile]) -> int:
    """Save a batch: new files first take the missing rows their content matches; the number
    that did."""
    if not batch:
        return 0
    new = [record for record in batch if record.path not in known]
    moved = await inventory.move_renamed(sessions, new)
    taken = {id(new[number]) for number in moved}
    await store.save_files(sessions, [record for record in batch if id(record) not in taken])
    return len(moved)
