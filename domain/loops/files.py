"""Loop files on disk: every path a user gives is confined to LOOPS_PATH."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


class LoopPathError(ValueError):
    """A loop path is unusable; the message says why and what would be valid."""


def confine(loops_root: Path, raw: str | os.PathLike[str]) -> Path:
    """Resolve `raw` (relative to the root, or absolute) and refuse anything outside the root.

    Symlinks are resolved first, so a link pointing out of the root is refused too.
    """
    text = os.fspath(raw).strip()
    if not text:
        raise LoopPathError("loop file path is empty")
    if "\x00" in text:
        raise LoopPathError("loop file path contains a NUL byte")
    root = loops_root.resolve()
    candidate = Path(text)
    resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if not resolved.is_relative_to(root):
        raise LoopPathError(f"{text} is outside the loops folder {root}")
    return resolved


def check_loop_file(loops_root: Path, raw: str | os.PathLike[str]) -> Path:
    """Confine `raw` and check it names an existing `.mp4` file; return its resolved path."""
    path = confine(loops_root, raw)
    if path.suffix.lower() != ".mp4":
        raise LoopPathError(f"{os.fspath(raw)} is not an .mp4 file")
    if not path.is_file():
        raise LoopPathError(f"{os.fspath(raw)} does not exist under {loops_root.resolve()}")
    return path


def relative_to_root(loops_root: Path, path: Path) -> str:
    """How a confined path is stored: relative to the loops folder, with forward slashes."""
    return path.relative_to(loops_root.resolve()).as_posix()


def list_loop_files(loops_root: Path, *, limit: int = 5000) -> Iterator[str]:
    """Relative paths of the `.mp4` files under the loops folder, sorted; links out are skipped."""
    root = loops_root.resolve()
    found = 0
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(files):
            if not name.lower().endswith(".mp4"):
                continue
            path = Path(directory, name)
            if not path.resolve().is_relative_to(root):
                continue
            yield path.relative_to(root).as_posix()
            found += 1
            if found >= limit:
                return


def find_loop_files(loops_root: Path, typed: str, limit: int) -> list[str]:
    """Loop files under the root whose relative path contains every word typed (any case)."""
    words = typed.casefold().split()
    found = []
    for path in list_loop_files(loops_root):
        if all(word in path.casefold() for word in words):
            found.append(path)
            if len(found) >= limit:
                break
    return found
