"""Key and tempo for the collection's files, found by the worker (issue 12 §2).

After each scan, `queue_analysis` sends the files read fine but not analysed yet (new, or whose
content changed: the scan clears an old analysis) to the worker, BATCH files a message, on their
own queue at a lower priority than scans, so a long analysis never holds up the other jobs. Each
file is analysed in a child process (`Analyser`): essentia holds the interpreter for seconds at
a time and may crash on a broken file, and neither may reach the worker's event loop. The path is
confined to its MUSIC_PATH root again before it is opened.

Where essentia cannot be loaded, nothing is queued and the key and BPM tags are what there is:
the first try says why (once in the log, and in Redis for the pages), and the scans that follow
queue nothing for a day.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import select, update

from domain import channels
from domain.collection import analysis
from domain.collection.analysis import Analysis, AnalysisFailed, AnalysisUnavailable, Outcome
from domain.collection.store import get_file
from domain.config import Settings
from domain.models import CollectionFile, CollectionStatus
from domain.resources import Resources
from domain.validation import InputError

log = logging.getLogger(__name__)

BATCH = 10  # files a message: about half a minute of analysis
QUEUED_SECONDS = 6 * 3600  # a file queued is not queued again this long (unless analysed)
UNAVAILABLE_SECONDS = 24 * 3600
MAX_QUEUED = 10_000  # files one scan queues; the next scan queues the rest


class Analyser:
    """This process's analysis child (one, made on first use), closed with the resources."""

    def __init__(self, settings: Settings, redis: aioredis.Redis) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def analyse(self, path: Path) -> Outcome:
        """`analysis.analyse(path)` in the child; a child that died on this file is a failure
        of this file, and the next one gets a new child."""
        if self._pool is None:
            # spawn, not fork: the worker has threads and an event loop a fork would copy.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, analysis.analyse, path)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            return AnalysisFailed("the analyser stopped on this file (it crashed reading it)")

    async def aclose(self) -> None:
        if self._pool is not None:
            await asyncio.to_thread(self._pool.shutdown, wait=True, cancel_futures=True)
            self._pool = None


# --- queueing ------------------------------------------------------------------------------------


async def queue_analysis(resources: Resources, *, limit: int = MAX_QUEUED) -> int:
    """Queue the files waiting for an analysis (read fine, present, not analysed, not queued in
    the last QUEUED_SECONDS); how many. Nothing while analysis is known to be off."""
    settings, redis = resources.settings, resources.redis
    if await unavailable(settings, redis) is not None:
        return 0
    if importlib.util.find_spec("essentia") is None:
        await _note_unavailable(settings, redis, "essentia is not installed for this platform")
        return 0
    async with resources.sessions() as session:
        waiting = list(
            await session.scalars(
                select(CollectionFile.id)
                .where(
                    CollectionFile.status == CollectionStatus.COMPLETED.value,
                    CollectionFile.missing.is_(False),
                    CollectionFile.analysed_at.is_(None),
                )
                .order_by(CollectionFile.id)
                .limit(limit)
            )
        )
    # SET NX per file, in one round trip: a file queued by the last scan is not sent twice.
    async with redis.pipeline(transaction=False) as pipe:
        for file_id in waiting:
            pipe.set(_queued_key(settings, file_id), "1", nx=True, ex=QUEUED_SECONDS)
        marked = await pipe.execute()
    fresh = [file_id for file_id, new in zip(waiting, marked, strict=True) if new]
    for start in range(0, len(fresh), BATCH):
        await asyncio.to_thread(resources.jobs.analyse_collection, fresh[start : start + BATCH])
    return len(fresh)


async def unavailable(settings: Settings, redis: aioredis.Redis) -> str | None:
    """Why analysis is off (for a day after a try found out), or None."""
    reason = await redis.get(channels.collection_analysis_off(settings))
    return reason.decode() if isinstance(reason, bytes) else reason


async def _note_unavailable(settings: Settings, redis: aioredis.Redis, reason: str) -> None:
    key = channels.collection_analysis_off(settings)
    if await redis.set(key, reason, nx=True, ex=UNAVAILABLE_SECONDS):
        log.warning("audio analysis is off: %s; key and BPM come from tags", reason)


async def reanalyse(resources: Resources, file_id: int) -> None:
    """Forget this file's analysis and queue it again (the track page's Re-analyse).
    FileNotFound for no such file; InputError naming `file` when it cannot be analysed (not read
    fine, gone from disk, or analysis off: the reason)."""
    entry = await get_file(resources.sessions, file_id)
    if entry.missing or entry.status is not CollectionStatus.COMPLETED:
        raise InputError(
            "file",
            f"file {file_id} cannot be analysed: only a file that was read fine (status"
            f" completed, now {entry.status.value}) and is still on disk can be",
        )
    off = await unavailable(resources.settings, resources.redis)
    if off is not None:
        raise InputError("file", f"audio analysis is off: {off}; key and BPM come from tags")
    async with resources.sessions.begin() as session:
        await session.execute(
            update(CollectionFile)
            .where(CollectionFile.id == file_id)
            .values(analysed_at=None, updated_at=datetime.now(UTC))
        )
    # The mark is renewed, not only deleted: a scan meanwhile would otherwise send it twice.
    await resources.redis.set(_queued_key(resources.settings, file_id), "1", ex=QUEUED_SECONDS)
    await asyncio.to_thread(resources.jobs.analyse_collection, [file_id])


def _queued_key(settings: Settings, file_id: int) -> str:
    return channels.collection_analysis_queued(settings, file_id)


# --- analysing (the worker) --------------------------------------------------------------------


async def analyse_files(resources: Resources, file_ids: Sequence[int]) -> int:
    """Analyse these files (those still present and read fine) and store what the audio says;
    how many were analysed. A file essentia cannot read keeps its tags and says why."""
    settings, redis = resources.settings, resources.redis
    analyser = resources.client(Analyser)
    async with resources.sessions() as session:
        rows = (
            await session.execute(
                select(CollectionFile.id, CollectionFile.root, CollectionFile.path).where(
                    CollectionFile.id.in_(list(file_ids)),
                    CollectionFile.status == CollectionStatus.COMPLETED.value,
                    CollectionFile.missing.is_(False),
                )
            )
        ).all()
    analysed = 0
    for file_id, root, relative in rows:
        path = _confined(settings, root, relative)
        outcome = (
            await analyser.analyse(path)
            if path is not None
            else AnalysisFailed("the file is no longer inside its MUSIC_PATH folder")
        )
        if isinstance(outcome, AnalysisUnavailable):
            await _note_unavailable(settings, redis, outcome.reason)
            break
        await _store(resources, file_id, outcome)
        await redis.delete(_queued_key(settings, file_id))
        analysed += isinstance(outcome, Analysis)
    return analysed


def _confined(settings: Settings, root: str, relative: str) -> Path | None:
    """The file's path, if its root is still a MUSIC_PATH folder and it resolves inside it."""
    roots = {str(folder) for folder in settings.collection.music_paths}
    if root not in roots:
        return None
    base = Path(root).resolve()
    path = (base / relative).resolve()
    return path if path.is_relative_to(base) else None


async def _store(resources: Resources, file_id: int, outcome: Analysis | AnalysisFailed) -> None:
    now = datetime.now(UTC)
    if isinstance(outcome, Analysis):
        values = {
            "musical_key": outcome.key,
            "camelot": outcome.camelot,
            "open_key": outcome.open_key,
            "key_strength": outcome.key_strength,
            "bpm": Decimal(f"{outcome.bpm:.1f}") if outcome.bpm is not None else None,
            "bpm_confidence": outcome.bpm_confidence,
            "analysis_error": None,
        }
    else:
        values = {"analysis_error": outcome.reason[:500]}
    async with resources.sessions.begin() as session:
        await session.execute(
            update(CollectionFile)
            .where(CollectionFile.id == file_id)
            .values(analysed_at=now, updated_at=now, **values)
        )
