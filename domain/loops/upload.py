"""Loops uploaded from the browser: kept only once whole, checked and in place.

The body is written to a temporary file in the chosen folder (confined to LOOPS_PATH), probed
with ffprobe (`check.probe_loop`, the loop check's own rules), and only then renamed into place:
readers never see a partial loop, and a refused upload leaves nothing behind. An existing loop
is replaced only when the person said so.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from domain.loops.check import probe_loop
from domain.loops.files import LoopPathError, confine, relative_to_root
from domain.models import LoopStatus
from domain.validation import InputError

MB = 1024 * 1024
NAME_MAX_BYTES = 255  # one file name on Linux filesystems
TEMP_PREFIX = ".upload-"  # a dot file: the loop pickers skip it (it is no .mp4 either)
TEMP_SUFFIX = ".part"
# Writes go to disk in pieces this big, off the event loop.
WRITE_CHUNK = MB


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where an uploaded loop goes: its folder, its final path, and whether it may replace."""

    folder: Path
    path: Path
    shown: str  # relative to LOOPS_PATH, as mappings name it
    replace: bool


def loop_file_name(raw: str) -> str:
    """The uploaded file's own name: a plain `.mp4` name, no folder in it."""
    # Old browsers send the whole client path; only its last part is the name.
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        raise InputError("file", "choose a loop file (.mp4) to upload")
    if "\x00" in name or name.startswith("."):
        raise InputError("file", f"{name[:80]!r} is not a usable file name")
    if len(name.encode()) > NAME_MAX_BYTES:
        raise InputError("file", f"the file name is longer than {NAME_MAX_BYTES} bytes")
    if not name.lower().endswith(".mp4"):
        raise InputError("file", f"{name[:80]} is not an .mp4 file: only MP4 loops are accepted")
    return name


def loop_folders(loops_root: Path, *, limit: int = 500) -> list[str]:
    """The folders under LOOPS_PATH an upload may go to ("" is the folder itself), sorted; dot
    folders and links out of the folder are left out."""
    root = loops_root.resolve()
    found = [""]
    for directory, subdirs, _files in os.walk(root):
        subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
        for name in subdirs:
            path = Path(directory, name)
            if path.resolve().is_relative_to(root) and len(found) < limit:
                found.append(path.relative_to(root).as_posix())
    return found


def upload_folder(loops_root: Path, raw: str) -> Path:
    """The chosen folder, confined to LOOPS_PATH (empty: the folder itself); it must exist."""
    given = raw.strip()
    text = given.rstrip("/") or given or "."  # "/" stays absolute: the filesystem's root
    try:
        folder = confine(loops_root, text)
    except LoopPathError as error:
        raise InputError("folder", str(error).replace("loop file path", "folder")) from None
    if not folder.is_dir():
        raise InputError("folder", f"{text[:200]} is not a folder in the loops folder (LOOPS_PATH)")
    return folder


def upload_target(loops_root: Path, folder: str, file_name: str, *, replace: bool) -> UploadTarget:
    """Check where an upload would go before a byte of it is written."""
    directory = upload_folder(loops_root, folder)
    name = loop_file_name(file_name)
    try:
        # A name that is a link out of the folder is refused like any path out.
        path = confine(loops_root, directory / name)
    except LoopPathError as error:
        raise InputError("file", str(error)) from None
    shown = relative_to_root(loops_root, path)
    if path.parent != directory:
        raise InputError("file", f"{shown} is not a file name in the chosen folder")
    if path.exists() and not path.is_file():
        raise InputError("file", f"{shown} exists and is not a file")
    if path.exists() and not replace:
        raise InputError("replace", f"{shown} already exists: tick Replace to overwrite it")
    return UploadTarget(directory, path, shown, replace)


class LoopUpload:
    """One upload in progress: `write` the body's pieces, then `keep` it (or it is discarded).

    Use as `async with LoopUpload(target, limit) as upload:`; leaving without `keep` (a refusal,
    a dropped connection) removes the temporary file.
    """

    def __init__(self, target: UploadTarget, max_bytes: int) -> None:
        self.target = target
        self.max_bytes = max_bytes
        self.size = 0
        self._buffer = bytearray()
        self._file: BinaryIO | None = None
        self._temp: Path | None = None

    async def __aenter__(self) -> LoopUpload:
        fd, name = await asyncio.to_thread(
            tempfile.mkstemp, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=self.target.folder
        )
        self._temp = Path(name)
        self._file = os.fdopen(fd, "wb")
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self._discard)

    async def write(self, chunk: bytes) -> None:
        """Add a piece of the file; InputError once it grows past the cap."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self._buffer += chunk
        if len(self._buffer) >= WRITE_CHUNK:
            await self._flush()

    async def keep(self) -> str:
        """Probe the whole file and move it into place; return its path relative to LOOPS_PATH."""
        await self._flush()
        await asyncio.to_thread(self._close)
        assert self._temp is not None
        if self.size == 0:
            raise InputError("file", "the file is empty")
        probe = await asyncio.to_thread(probe_loop, self._temp)
        if probe.status is None:
            raise InputError("file", f"the file cannot be checked: {probe.reason}")
        if probe.status is not LoopStatus.OK:
            raise InputError("file", f"not a usable MP4 loop: {probe.reason}")
        await asyncio.to_thread(self._move)
        return self.target.shown

    async def _flush(self) -> None:
        if self._buffer and self._file is not None:
            data, self._buffer = bytes(self._buffer), bytearray()
            await asyncio.to_thread(self._file.write, data)

    def _close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def _move(self) -> None:
        assert self._temp is not None
        if self.target.replace:
            os.replace(self._temp, self.target.path)
        else:
            # link() never overwrites: a loop of that name saved meanwhile is kept.
            try:
                os.link(self._temp, self.target.path)
            except FileExistsError:
                message = f"{self.target.shown} already exists: tick Replace to overwrite it"
                raise InputError("replace", message) from None
            self._temp.unlink()
        self._temp = None

    def _discard(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None


def too_large(max_bytes: int) -> InputError:
    return InputError(
        "file", f"the file is larger than {max_bytes // MB} MB, the limit (LOOP_UPLOAD_MAX_MB)"
    )
