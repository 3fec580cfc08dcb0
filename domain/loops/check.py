"""Loop checks: probe loop files with ffprobe, make preview thumbnails with ffmpeg, record both.

A bad file is a result (status `missing` or `invalid` with a reason a person can act on), never an
exception. Without ffprobe on the machine, mappings stay unchecked and a warning is logged once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.loops.files import LoopPathError, check_loop_file, confine
from domain.loops.mapper import TrackMapper
from domain.models import LoopStatus, TrackMapping

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 20.0
THUMBNAIL_WIDTH = 160
# How many mappings one worker message checks: small enough to finish well within a time limit.
# Two cores is the common small host; more ffprobe processes at once only queue for CPU.
PROBE_CONCURRENCY = 2
# "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55db8ef5c1c0] moov atom not found": the bracket is noise.
_FFMPEG_CONTEXT = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")
_RESOLUTION = re.compile(r"^\s*(\d{1,5})\s*[xX\u00d7]\s*(\d{1,5})\s*$")

_RECORD = text(
    "UPDATE track_mappings SET loop_status = :status, loop_status_reason = :reason,"
    " loop_checked_at = :checked_at, loop_codec = :codec, loop_width = :width,"
    " loop_height = :height, loop_duration = :duration, thumbnail = :thumbnail"
    # Only if the loop is still the one probed: a newer edit has its own check queued.
    " WHERE id = :id AND loop_file_path = :path"
)


class LoopToolMissing(RuntimeError):
    """ffprobe is not installed, so loop files cannot be probed."""


@dataclass(frozen=True, slots=True)
class LoopProbe:
    """What ffprobe found in a loop file; `status` None means it could not be checked."""

    status: LoopStatus | None
    reason: str | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    @property
    def resolution(self) -> str | None:
        return f"{self.width}x{self.height}" if self.width and self.height else None


@dataclass(frozen=True, slots=True)
class LoopCheck:
    """The check of one mapping's loop, as recorded."""

    mapping_id: int
    loop_file_path: str
    probe: LoopProbe
    thumbnail: bytes | None


@dataclass(frozen=True, slots=True)
class LoopProblem:
    """A mapping whose loop needs a person: file gone, unreadable, or of another resolution."""

    mapping_id: int
    track_key: str
    loop_file_path: str
    kind: Literal["missing", "invalid", "resolution"]
    detail: str


@dataclass(frozen=True, slots=True)
class ValidationReport:
    mappings: int
    files: int
    problems: list[LoopProblem]
    probes: dict[str, LoopProbe]  # by stored loop path, for the files that were probed

    def of_kind(self, kind: str) -> list[LoopProblem]:
        return [problem for problem in self.problems if problem.kind == kind]


@cache
def find_tool(name: str) -> str | None:
    """The path of `name` (ffprobe, ffmpeg) on PATH, looked up once per process."""
    found = shutil.which(name)
    if found is None:
        log.warning("%s is not installed: loop files stay unchecked until it is", name)
    return found


def _first_error_line(stderr: bytes) -> str:
    for line in stderr.decode(errors="replace").splitlines():
        if line.strip():
            return _FFMPEG_CONTEXT.sub("", line.strip())
    return "no error message"


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is "unknown" too


def _judge(info: dict[str, Any]) -> LoopProbe:
    """Turn ffprobe's JSON into a status: an MP4 with a real video stream and a duration."""
    fmt = info.get("format") or {}
    format_name = str(fmt.get("format_name") or "")
    if "mp4" not in format_name.split(","):
        shown = format_name.split(",")[0] or "unknown"
        return LoopProbe(LoopStatus.INVALID, f"not an MP4 container (format: {shown})")
    # A cover picture in an audio file is a "video" stream too, but not something to loop.
    videos = [
        stream
        for stream in info.get("streams") or []
        if stream.get("codec_type") == "video"
        and not (stream.get("disposition") or {}).get("attached_pic")
    ]
    if not videos:
        return LoopProbe(LoopStatus.INVALID, "no video stream")
    video = videos[0]
    codec = str(video.get("codec_name") or "") or None
    width, height = int(video.get("width") or 0) or None, int(video.get("height") or 0) or None
    duration = _number(fmt.get("duration")) or _number(video.get("duration"))
    found = LoopProbe(LoopStatus.OK, None, codec, width, height, duration)
    if width is None or height is None:
        return _replace(found, LoopStatus.INVALID, "the video stream has no picture size")
    if duration is None or duration <= 0:
        return _replace(found, LoopStatus.INVALID, "the video has no duration")
    return found


def _replace(probe: LoopProbe, status: LoopStatus, reason: str) -> LoopProbe:
    return LoopProbe(status, reason, probe.codec, probe.width, probe.height, probe.duration)


def probe_loop(path: Path, timeout: float = PROBE_TIMEOUT_SECONDS) -> LoopProbe:
    """Probe one loop file with ffprobe; never raises for a bad or missing file."""
    if not path.is_file():
        return LoopProbe(LoopStatus.MISSING, f"file not found: {path}")
    ffprobe = find_tool("ffprobe")
    if ffprobe is None:
        return LoopProbe(None, "ffprobe is not installed")
    argv = [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    try:
        result = subprocess.run(
            [*argv, "--", str(path)], capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return LoopProbe(LoopStatus.INVALID, f"ffprobe timed out after {timeout:g} s")
    except OSError as error:
        log.warning("could not run ffprobe on %s: %s", path, error)
        return LoopProbe(None, f"could not run ffprobe: {error}")
    if result.returncode != 0:
        reason = f"ffprobe could not read the file: {_first_error_line(result.stderr)}"
        return LoopProbe(LoopStatus.INVALID, reason)
    try:
        info = json.loads(result.stdout or b"{}")
    except ValueError:
        return LoopProbe(LoopStatus.INVALID, "ffprobe printed unreadable output")
    return _judge(info if isinstance(info, dict) else {})


def make_thumbnail(
    path: Path,
    width: int = THUMBNAIL_WIDTH,
    *,
    duration: float | None = None,
    timeout: float = PROBE_TIMEOUT_SECONDS,
) -> bytes | None:
    """A JPEG frame of the loop, `width` pixels wide: at 1 s, or mid-loop for short loops."""
    ffmpeg = find_tool("ffmpeg")
    if ffmpeg is None:
        return None
    at = 1.0 if duration is None or duration >= 2 else max(duration / 2, 0.0)
    argv = [
        ffmpeg, "-v", "error", "-nostdin", "-ss", f"{at:.3f}", "-i", str(path),
        "-frames:v", "1", "-vf", f"scale={width}:-2", "-f", "image2pipe", "-vcodec", "mjpeg", "-",
    ]  # fmt: skip
    try:
        result = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except (subprocess.TimeoutExpired, OSError) as error:
        log.warning("no thumbnail for %s: %s", path, error)
        return None
    if result.returncode != 0 or not result.stdout.startswith(b"\xff\xd8"):
        log.warning("no thumbnail for %s: %s", path, _first_error_line(result.stderr))
        return None
    return result.stdout


def preview_thumbnail(loops_root: Path, stored: str) -> bytes | None:
    """A thumbnail made now from a mapping's loop file, for a loop not checked yet (None when
    the file is unusable: the check will say why)."""
    try:
        path = check_loop_file(loops_root, stored)
    except LoopPathError:
        return None
    probe = probe_loop(path)  # a loop shorter than the usual frame's time needs its middle
    if probe.status is not LoopStatus.OK:
        return None
    return make_thumbnail(path, duration=probe.duration)


async def mapping_thumbnail(mapper: TrackMapper, mapping_id: int) -> bytes | None:
    """A mapping's preview: the one its last check stored, else, for a loop not checked yet (one
    just changed, whose row should show the new loop), one made from its loop file now. A
    checked loop without a stored preview has none: it is not probed again on every request."""
    stored, status, loop_path = await mapper.get_thumbnail(mapping_id)
    if stored or status is not None:
        return stored
    return await asyncio.to_thread(preview_thumbnail, mapper.loops_root(), loop_path)


def _probe_stored(loops_root: Path, stored: str) -> LoopProbe:
    try:
        path = confine(loops_root, stored)
    except LoopPathError as error:
        return LoopProbe(LoopStatus.INVALID, str(error))
    return probe_loop(path)


async def _each_file(
    paths: Sequence[str], work: Callable[[str], Awaitable[None]], concurrency: int
) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one(stored: str) -> None:
        async with limit:
            await work(stored)

    await asyncio.gather(*(one(stored) for stored in paths))


async def check_mappings(
    engine: AsyncEngine,
    loops_root: Path,
    ids: Sequence[int],
    *,
    concurrency: int = PROBE_CONCURRENCY,
) -> list[LoopCheck]:
    """Probe and thumbnail the loops of these active mappings and record the results.

    Idempotent: checking twice leaves the same state. Without ffprobe nothing is written.
    """
    if not ids:
        return []
    query = select(TrackMapping.id, TrackMapping.loop_file_path).where(
        TrackMapping.id.in_(sorted(set(ids))), TrackMapping.is_active
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    found: dict[str, tuple[LoopProbe, bytes | None]] = {}

    async def check_file(stored: str) -> None:
        probe = await asyncio.to_thread(_probe_stored, loops_root, stored)
        thumbnail = None
        if probe.status is LoopStatus.OK:
            path = confine(loops_root, stored)
            thumbnail = await asyncio.to_thread(make_thumbnail, path, duration=probe.duration)
        found[stored] = (probe, thumbnail)

    await _each_file(sorted({row.loop_file_path for row in rows}), check_file, concurrency)
    checks = [LoopCheck(row.id, row.loop_file_path, *found[row.loop_file_path]) for row in rows]
    recorded = [check for check in checks if check.probe.status is not None]
    if recorded:
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            await conn.execute(_RECORD, [_record_params(check, now) for check in recorded])
    return checks


def _record_params(check: LoopCheck, checked_at: datetime) -> dict[str, Any]:
    probe = check.probe
    return {
        "id": check.mapping_id,
        "path": check.loop_file_path,
        "status": str(probe.status),
        "reason": probe.reason,
        "checked_at": checked_at,
        "codec": (probe.codec or "")[:32] or None,
        "width": probe.width,
        "height": probe.height,
        "duration": probe.duration,
        "thumbnail": check.thumbnail,
    }


async def active_mapping_ids(engine: AsyncEngine) -> list[int]:
    """Ids of every active mapping, ascending (what the daily re-check covers)."""
    query = select(TrackMapping.id).where(TrackMapping.is_active).order_by(TrackMapping.id)
    async with engine.connect() as conn:
        return list((await conn.scalars(query)).all())


# Validation for `crateloop loops validate` ----------------------------------------------------


def parse_resolution(value: str) -> tuple[int, int]:
    """`"1920x1080"` → (1920, 1080); ValueError naming the valid form otherwise."""
    match = _RESOLUTION.match(value)
    if match is None or not int(match[1]) or not int(match[2]):
        raise ValueError(f"{value!r} is not a resolution: use WIDTHxHEIGHT, like 1920x1080")
    return int(match[1]), int(match[2])


async def validate_loops(
    engine: AsyncEngine,
    loops_root: Path,
    *,
    check_format: bool = False,
    resolution: tuple[int, int] | None = None,
    concurrency: int = PROBE_CONCURRENCY,
) -> ValidationReport:
    """Find active mappings whose loop is missing, unreadable (`check_format`) or of another size.

    Each file is looked at once however many mappings share it. Nothing is written.
    """
    query = (
        select(TrackMapping.id, TrackMapping.track_key, TrackMapping.loop_file_path)
        .where(TrackMapping.is_active)
        .order_by(TrackMapping.loop_file_path, TrackMapping.id)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    paths = sorted({row.loop_file_path for row in rows})
    probe_files = check_format or resolution is not None
    if probe_files and find_tool("ffprobe") is None:
        raise LoopToolMissing("ffprobe is not installed: install ffmpeg to check loop files")
    probes: dict[str, LoopProbe] = {}

    async def look(stored: str) -> None:
        if probe_files:
            probes[stored] = await asyncio.to_thread(_probe_stored, loops_root, stored)
        else:
            probes[stored] = await asyncio.to_thread(_exists, loops_root, stored)

    await _each_file(paths, look, concurrency if probe_files else 16)
    problems = [
        problem
        for row in rows
        if (problem := _problem(row, probes[row.loop_file_path], check_format, resolution))
    ]
    return ValidationReport(len(rows), len(paths), problems, probes if probe_files else {})


def _exists(loops_root: Path, stored: str) -> LoopProbe:
    """The cheap check without ffprobe: is the file there (and inside the loops folder)?"""
    try:
        path = confine(loops_root, stored)
    except LoopPathError as error:
        return LoopProbe(LoopStatus.INVALID, str(error))
    if not path.is_file():
        return LoopProbe(LoopStatus.MISSING, f"file not found: {path}")
    return LoopProbe(LoopStatus.OK)


def _problem(
    row: Any, probe: LoopProbe, check_format: bool, resolution: tuple[int, int] | None
) -> LoopProblem | None:
    def problem(kind: Literal["missing", "invalid", "resolution"], detail: str) -> LoopProblem:
        return LoopProblem(row.id, row.track_key, row.loop_file_path, kind, detail)

    if probe.status is LoopStatus.MISSING:
        return problem("missing", probe.reason or "file not found")
    if probe.status is LoopStatus.INVALID:
        return problem("invalid", probe.reason or "not a usable loop")
    size = (probe.width, probe.height)
    if resolution is not None and probe.width and probe.height and size != resolution:
        expected = f"{resolution[0]}x{resolution[1]}"
        return problem("resolution", f"{probe.resolution}, expected {expected}")
    return None


async def deactivate_missing(mapper: TrackMapper, problems: Sequence[LoopProblem]) -> int:
    """Deactivate the mappings whose loop file is gone (if it still is); return how many.

    One statement for all of them; every process's cache forgets them through the mapper.
    """
    root = mapper.settings.loops_path
    gone = [
        p.mapping_id
        for p in problems
        if p.kind == "missing" and _exists(root, p.loop_file_path).status is LoopStatus.MISSING
    ]
    # One reason for all: the row shows which file it is.
    return await mapper.deactivate_mappings(
        gone, loop_status=LoopStatus.MISSING, loop_status_reason="file not found"
    )
