"""A hand-off (`Switch`), what every adapter promises, and where hand-off files may go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from domain.loops.files import LoopPathError, confine


@dataclass(frozen=True, slots=True)
class Switch:
    """One hand-off: which loop the station's encoder should show from now on, and why."""

    station: str
    sh_id: int | None
    song_id: str | None
    artist: str | None
    title: str | None
    loop_path: str  # absolute path under LOOPS_PATH
    reason: str  # mapped | song_id | default | live | offline
    played_at: float | None
    changed_at: float
    duration: float | None

    @property
    def text(self) -> str:
        """The track as one line, `Artist - Title` (just the title when there is no artist)."""
        parts = [part for part in (self.artist, self.title) if part]
        return " ".join(" - ".join(parts).split())


class HandoffError(Exception):
    """An adapter could not hand the loop off (or is misconfigured); the message says why.

    The message reaches the dashboard, so it names files as HANDOFF_PATH/… or by their name,
    never by the server's absolute path (`shown_handoff`, `os_reason`)."""


def shown_handoff(handoff_root: Path, path: Path) -> str:
    """`path` as a user may see it: relative to HANDOFF_PATH."""
    try:
        relative = path.relative_to(handoff_root.resolve()).as_posix()
    except ValueError:
        return path.name
    return "HANDOFF_PATH" if relative == "." else f"HANDOFF_PATH/{relative}"


def os_reason(error: OSError) -> str:
    """Why a file operation failed, without the paths `str(error)` repeats."""
    return error.strerror or type(error).__name__


class Adapter(Protocol):
    name: str

    async def apply(self, switch: Switch) -> None:
        """Hand `switch` to the encoder; raise HandoffError; never block the event loop."""
        ...


class HandoffSettings(Protocol):
    """The attributes of a station (`StationConfig`) the adapters are built from."""

    @property
    def state_dir(self) -> str | None: ...
    @property
    def write_text_file(self) -> bool: ...
    @property
    def symlink_path(self) -> str | None: ...
    @property
    def hook_command(self) -> str | None: ...
    @property
    def hook_timeout(self) -> float: ...
    @property
    def liquidsoap_url(self) -> str | None: ...
    @property
    def liquidsoap_mode(self) -> str: ...
    @property
    def liquidsoap_target(self) -> str | None: ...
    @property
    def api_key(self) -> str | None: ...


def confine_handoff(handoff_root: Path, raw: str, setting: str) -> Path:
    """Resolve a folder relative to HANDOFF_PATH (or absolute inside it); refuse anything else."""
    try:
        return confine(handoff_root, raw)
    except LoopPathError as error:
        raise HandoffError(_outside(raw, setting, error)) from error


def confine_link(handoff_root: Path, raw: str, setting: str = "symlink path") -> Path:
    """Where the symlink goes: its folder is confined to HANDOFF_PATH, the link itself is not
    resolved (it points into LOOPS_PATH once it exists)."""
    text = raw.strip()
    name = os.path.basename(text.rstrip("/"))
    if "\x00" in name:  # the folder part is checked by confine()
        raise HandoffError(f"{setting} {raw!r} is not a usable path: it contains a NUL byte")
    if not text or text.endswith("/") or name in ("", ".", ".."):
        raise HandoffError(f"{setting} {raw!r} must name a file, like current.mp4")
    try:
        return confine(handoff_root, os.path.dirname(text) or ".") / name
    except LoopPathError as error:
        raise HandoffError(_outside(raw, setting, error)) from error


def _outside(raw: str, setting: str, error: LoopPathError) -> str:
    """Why `raw` was refused, naming the folder as HANDOFF_PATH: the server's own directory
    layout is shown on pages and in the daemon's status, and is none of a user's business."""
    if not raw.strip():
        return f"{setting} is empty: give a path inside HANDOFF_PATH"
    if "\x00" in raw:
        return f"{setting} {raw!r} is not a usable path: it contains a NUL byte"
    return (
        f"{setting} {raw!r} is outside HANDOFF_PATH:"
        " give a path inside it (relative paths start there)"
    )
