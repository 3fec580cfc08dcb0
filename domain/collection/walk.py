"""Walking a scan scope: every audio file under it with its size and mtime, confined to the roots.

Symlinks are followed only while they point inside a MUSIC_PATH root; one that points out is
skipped with its reason, and a folder reached twice (a symlink loop, a link to a parent) is
walked once. A folder that cannot be listed, or a file gone before it could be looked at, is
skipped with its reason: nothing stops the walk.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domain.collection.roots import ScanScope, root_of

log = logging.getLogger(__name__)

AUDIO_EXTENSIONS = frozenset({".mp3", ".flac", ".aif", ".aiff", ".wav", ".m4a", ".mp4"})


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: str  # relative to the scope's root, POSIX, as the file is named (links not resolved)
    size: int
    mtime: float


@dataclass(slots=True)
class Walk:
    """What a walk found, and what it passed by and why (one line each, for the log and CLI)."""

    files: list[FoundFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Folders (relative to the root) that could not be listed: their files are not gone.
    unlisted: list[str] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        log.info("collection scan: skipped %s: %s", where, reason)
        self.skipped.append(f"{where}: {reason}")


def walk_scope(scope: ScanScope, roots: tuple[Path, ...]) -> Walk:
    """Every audio file under `scope`, in path order."""
    found = Walk()
    seen: set[tuple[int, int]] = set()
    start = scope.start
    for entry_path, info in _entries(start, scope, roots, found, seen):
        found.files.append(
            FoundFile(
                path=entry_path.relative_to(scope.root).as_posix(),
                size=info.st_size,
                mtime=info.st_mtime,
            )
        )
    found.files.sort(key=lambda f: f.path)
    return found


def _entries(
    folder: Path,
    scope: ScanScope,
    roots: tuple[Path, ...],
    found: Walk,
    seen: set[tuple[int, int]],
) -> Iterator[tuple[Path, os.stat_result]]:
    """(path, stat) of each audio file under `folder`, depth first, each real folder once."""
    pending = [folder]
    while pending:
        current = pending.pop()
        where = _shown(current, scope)
        try:
            info = current.stat()
            if (info.st_dev, info.st_ino) in seen:
                found.skip(where, "a folder already scanned (a symlink loop or a second link)")
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as error:
            found.skip(where, f"cannot be listed ({error.strerror or error})")
            found.unlisted.append(current.relative_to(scope.root).as_posix())
            continue
        for entry in entries:
            path = Path(entry.path)
            checked = _checked(entry, path, scope, roots, found)
            if checked is None:
                continue
            if stat.S_ISDIR(checked.st_mode):
                pending.append(path)
            elif stat.S_ISREG(checked.st_mode) and path.suffix.lower() in AUDIO_EXTENSIONS:
                yield path, checked


def _checked(
    entry: os.DirEntry[str], path: Path, scope: ScanScope, roots: tuple[Path, ...], found: Walk
) -> os.stat_result | None:
    """The entry's stat (its target's, for a symlink kept inside the roots); None to pass it."""
    try:
        if entry.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):  # a dangling link, or a loop of links
                found.skip(_shown(path, scope), "a broken symlink or a loop of symlinks")
                return None
            if root_of(roots, target) is None:
                found.skip(_shown(path, scope), "a symlink pointing outside MUSIC_PATH")
                return None
        return entry.stat()  # follows a link, whose target is inside a root
    except OSError as error:
        # Gone since the folder was listed: its row, if any, is marked missing.
        found.skip(_shown(path, scope), f"cannot be looked at ({error.strerror or error})")
        return None


def _shown(path: Path, scope: ScanScope) -> str:
    """A path as messages show it: relative to its root, never where the root lives."""
    try:
        relative = path.relative_to(scope.root).as_posix()
    except ValueError:
        relative = path.name
    return relative if relative != "." else "(the root)"
