"""Loop files on disk: every path a user gives is confined to LOOPS_PATH."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

# Linux's PATH_MAX: a longer path cannot name a file, and resolving one only burns time.
PATH_MAX = 4096
_SHOWN_MAX = 200  # how much of a refused path a message repeats


class LoopPathError(ValueError):
    """A loop path is unusable; the message says why and what would be valid.

    Messages name the path as given, relative to the loops folder when it is inside it, and the
    folder as LOOPS_PATH: the server's own directory layout is none of a user's business."""


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"


def confine(loops_root: Path, raw: str | os.PathLike[str]) -> Path:
    """Resolve `raw` (relative to the root, or absolute) and refuse anything outside the root.

    Symlinks are resolved first, so a link pointing out of the root is refused too.
    """
    text = os.fspath(raw).strip()
    if not text:
        raise LoopPathError("loop file path is empty")
    if "\x00" in text:
        raise LoopPathError("loop file path contains a NUL byte")
    if len(text) > PATH_MAX:
        raise LoopPathError(f"loop file path is longer than {PATH_MAX} characters")
    root = loops_root.resolve()
    candidate = Path(text)
    try:
        resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    except OSError as error:  # a symlink loop, a name too long for the filesystem
        raise LoopPathError(f"{_shown(text)} cannot be resolved: {error.strerror}") from None
    if not resolved.is_relative_to(root):
        raise LoopPathError(f"{_shown(text)} is outside the loops folder (LOOPS_PATH)")
    return resolved


def check_loop_file(loops_root: Path, raw: str | os.PathLike[str]) -> Path:
    """Confine `raw` and check it names an existing `.mp4` file; return its resolved path."""
    path = confine(loops_root, raw)
    shown = _shown(relative_to_root(loops_root, path))
    if path.suffix.lower() != ".mp4":
        raise LoopPathError(f"{shown} is not an .mp4 file")
    try:
        exists = path.is_file()
    except OSError:  # a file name longer than the filesystem allows (255 bytes on most)
        exists = False
    if not exists:
        raise LoopPathError(f"{shown} does not exist in the loops folder (LOOPS_PATH)")
    return path


def stored_loop(loops_root: Path, raw: str | os.PathLike[str]) -> str:
    """A loop path as stored (a mapping's, a station's, a pin's): an existing .mp4 under the
    loops folder, relative to it; LoopPathError otherwise."""
    return relative_to_root(loops_root, check_loop_file(loops_root, raw))


def loop_version(loops_root: Path, stored: str) -> str:
    """A short tag that changes when a loop's path or file changes: a preview URL carries it,
    so a browser never shows the preview of the file a mapping had before."""
    try:
        modified = int(confine(loops_root, stored).stat().st_mtime)
    except (LoopPathError, OSError):
        modified = 0
    digest = hashlib.sha1(stored.encode("utf-8", "surrogateescape"), usedforsecurity=False)
    return f"{digest.hexdigest()[:10]}-{modified}"


def relative_to_root(loops_root: Path, path: Path) -> str:
    """How a confined path is stored: relative to the loops folder, with forward slashes."""
    return path.relative_to(loops_root.resolve()).as_posix()


def shown_path(loops_root: Path, stored: str) -> str:
    """A loop path as people typed it: relative to the loops folder when it lies inside it, so a
    page shows `sets/intro.mp4` rather than the server's absolute path."""
    path, root = Path(stored), loops_root.resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else stored


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
