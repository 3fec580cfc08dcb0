"""The state-file adapter: `current.json` (and optionally `current.txt`) replaced atomically."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
from pathlib import Path

from domain.handoff.switch import HandoffError, Switch, os_reason

JSON_NAME = "current.json"
TEXT_NAME = "current.txt"


class StateFile:
    """Writes what the encoder should show into `current.json` in one folder under HANDOFF_PATH."""

    name = "state_file"

    def __init__(self, folder: Path, *, write_text: bool = False, shown: str | None = None) -> None:
        self.folder = folder
        self.write_text = write_text
        self.shown = shown or folder.name  # how messages name the folder (HANDOFF_PATH/…)

    async def apply(self, switch: Switch) -> None:
        """Replace `current.json` (then `current.txt`) so a reader sees the old or the new file."""
        try:
            await asyncio.to_thread(self._write, switch)
        except OSError as error:
            raise HandoffError(
                f"cannot write {self.shown}/{JSON_NAME}: {os_reason(error)}"
            ) from error

    def _write(self, switch: Switch) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.folder / JSON_NAME, state_json(switch))
        if self.write_text:
            write_atomically(self.folder / TEXT_NAME, switch.text.encode())
        sync_folder(self.folder)


def state_json(switch: Switch) -> bytes:
    """The `current.json` body: exactly the fields of docs/architecture.md, Hand-off."""
    state = {
        "station": switch.station,
        "sh_id": switch.sh_id,
        "song_id": switch.song_id,
        "artist": switch.artist,
        "title": switch.title,
        "loop_path": switch.loop_path,
        "reason": switch.reason,
        "played_at": switch.played_at,
        "changed_at": switch.changed_at,
        "duration": switch.duration,
    }
    return json.dumps(state, ensure_ascii=False, indent=2).encode() + b"\n"


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temp file beside `path`, fsync it, then rename it over `path` (never partial)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def sync_folder(folder: Path) -> None:
    """fsync a folder so the renames in it survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
