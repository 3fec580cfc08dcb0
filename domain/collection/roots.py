"""The MUSIC_PATH roots and what may be scanned: a root, or a folder inside one. Nothing outside
the roots is ever opened (issue 12 §1)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from domain.config import Settings
from domain.validation import InputError


@dataclass(frozen=True, slots=True)
class ScanScope:
    """One root and the folder in it to scan (`prefix` "" for the whole root)."""

    root: Path
    prefix: str  # POSIX, relative to root, e.g. "house/2024"

    @property
    def start(self) -> Path:
        return self.root / self.prefix if self.prefix else self.root


def root_of(roots: tuple[Path, ...], path: Path) -> Path | None:
    """The root `path` (resolved) lies in, None when it lies in none."""
    return next((root for root in roots if path == root or path.is_relative_to(root)), None)


def scan_scopes(settings: Settings, folder: str | Path | None = None) -> list[ScanScope]:
    """What a scan walks: every root, or the one `folder` (absolute, or relative to the current
    folder) inside a root. InputError("dir") for a folder outside every root or not a folder."""
    roots = settings.collection.music_paths
    if folder is None or not str(folder).strip():
        return [ScanScope(root, "") for root in roots]
    given = str(folder).strip()
    if "\x00" in given:
        raise InputError("dir", "DIR contains a NUL byte")
    # resolve(): symlinks and ".." are followed first, so a link out of a root is out.
    resolved = Path(given).expanduser().resolve()
    root = root_of(roots, resolved)
    if root is None:
        raise InputError(
            "dir",
            f"{given!r} is outside MUSIC_PATH: give a folder inside one of its folders"
            f" ({', '.join(str(r) for r in roots)})",
        )
    if not resolved.is_dir():
        raise InputError("dir", f"{given!r} is not a folder inside MUSIC_PATH")
    prefix = PurePosixPath(*resolved.relative_to(root).parts).as_posix()
    return [ScanScope(root, "" if prefix == "." else prefix)]
