"""A collection scan run by the worker: queued by the CLI or the daemon, its progress in Redis.

`start_scan` checks the folder (InputError("dir") before anything is queued), keeps the job's
progress as a Redis hash and queues it; the worker's `run_scan` scans, writing done/total as it
goes (at most every PROGRESS_SECONDS), then the summary. One scan runs at a time: a job that
finds another running waits for it (queued again after WAIT_SECONDS), so the daemon's periodic
scan and one asked for by hand never read the same files twice over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from domain import channels
from domain.collection.roots import scan_scopes
from domain.collection.scan import scan_collection
from domain.config import Settings
from domain.jobs import TRANSIENT_ERRORS
from domain.resources import Resources

log = logging.getLogger(__name__)

PROGRESS_TTL = 7 * 24 * 3600
PROGRESS_SECONDS = 0.5
RUNNING_SECONDS = 120  # the running mark's life, renewed with each progress write
WAIT_SECONDS = 30.0


class ScanState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScanNotFound(LookupError):
    """No scan with that id (or its progress has expired, after a week)."""


@dataclass(frozen=True, slots=True)
class ScanJob:
    """A scan's progress as saved in Redis."""

    job_id: str
    state: ScanState
    folder: str = ""  # "" for every root
    full: bool = False
    done: int = 0
    total: int = 0
    summary: dict[str, Any] = field(default_factory=dict)  # ScanSummary.to_json(), when done
    message: str = ""  # why it failed

    @property
    def finished(self) -> bool:
        return self.state in (ScanState.DONE, ScanState.FAILED)

    @property
    def text(self) -> str:
        """One line for a person: "Scanning MUSIC_PATH: 120 / 1,204 files"."""
        what = f"{self.folder}" if self.folder else "MUSIC_PATH"
        if self.state is ScanState.QUEUED:
            return f"Scanning {what}: queued"
        if self.state is ScanState.RUNNING:
            counted = f"{self.done:,} / {self.total:,} files" if self.total else "listing files"
            return f"Scanning {what}: {counted}"
        if self.state is ScanState.FAILED:
            return f"Scanning {what} failed: {self.message}"
        return f"Scanned {what}: {self.summary.get('text', '')}"

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "state": self.state.value,
            "folder": self.folder or None,
            "full": self.full,
            "done": self.done,
            "total": self.total,
            "finished": self.finished,
            "summary": self.summary or None,
            "message": self.message,
            "text": self.text,
        }


async def start_scan(
    resources: Resources, folder: str | Path | None = None, *, full: bool = False
) -> ScanJob:
    """Queue a scan of every root, or of `folder` inside one; InputError("dir") for a folder
    outside MUSIC_PATH, before anything is queued."""
    scopes = scan_scopes(resources.settings, folder)
    shown = str(scopes[0].start) if folder is not None and str(folder).strip() else ""
    job = ScanJob(uuid.uuid4().hex, ScanState.QUEUED, folder=shown, full=full)
    await _save(resources.settings, resources.redis, job)
    await resources.redis.set(
        channels.collection_scan_latest(resources.settings), job.job_id, ex=PROGRESS_TTL
    )
    await asyncio.to_thread(resources.jobs.scan_collection, job.job_id)
    return job


async def latest_scan(settings: Settings, redis: aioredis.Redis) -> ScanJob | None:
    """The latest scan started (from the page, the CLI or the daemon), None when there is none
    or its progress has expired."""
    job_id = await redis.get(channels.collection_scan_latest(settings))
    if job_id is None:
        return None
    try:
        return await get_scan(settings, redis, channels.text(job_id))
    except ScanNotFound:
        return None


async def get_scan(settings: Settings, redis: aioredis.Redis, job_id: str) -> ScanJob:
    """A scan's progress; ScanNotFound when there is none."""
    saved = await redis.hgetall(channels.collection_scan(settings, job_id))
    if not saved:
        raise ScanNotFound(f"no collection scan {job_id}")
    fields = {channels.text(k): channels.text(v) for k, v in saved.items()}
    return ScanJob(
        job_id=job_id,
        state=ScanState(fields.get("state", ScanState.QUEUED.value)),
        folder=fields.get("folder", ""),
        full=fields.get("full") == "1",
        done=int(fields.get("done") or 0),
        total=int(fields.get("total") or 0),
        summary=json.loads(fields.get("summary") or "{}"),
        message=fields.get("message", ""),
    )


async def run_scan(resources: Resources, job_id: str) -> ScanJob | None:
    """Run a queued scan (the worker); None when another scan is running (the caller queues
    this one again later). ScanNotFound when its progress has expired."""
    settings, redis = resources.settings, resources.redis
    job = await get_scan(settings, redis, job_id)
    if job.finished:
        return job  # a second delivery of a finished scan: nothing to do
    running = channels.collection_scan_running(settings)
    taken = await redis.set(running, job_id, nx=True, ex=RUNNING_SECONDS)
    # A redelivery of the scan that holds the mark (its worker died) may carry on.
    if not taken and channels.text(await redis.get(running) or b"") != job_id:
        return None
    job = replace(job, state=ScanState.RUNNING)
    await _save(settings, redis, job)
    written = 0.0

    async def progress(done: int, total: int) -> None:
        nonlocal job, written
        job = replace(job, done=done, total=total)
        if time.monotonic() - written >= PROGRESS_SECONDS or done == total:
            written = time.monotonic()
            await _save(settings, redis, job)
            await redis.expire(running, RUNNING_SECONDS)

    try:
        summary = await scan_collection(
            resources.sessions, settings, job.folder or None, full=job.full, progress=progress
        )
        job = replace(job, state=ScanState.DONE, summary=summary.to_json())
    except TRANSIENT_ERRORS:
        # The database or Redis is away: queued again, so the worker's retry runs it anew.
        with contextlib.suppress(*TRANSIENT_ERRORS):
            await _save(settings, redis, replace(job, state=ScanState.QUEUED))
        raise
    except Exception as error:
        job = replace(job, state=ScanState.FAILED, message=f"{error}"[:500] or repr(error))
        await _save(settings, redis, job)
        raise
    finally:
        with contextlib.suppress(*TRANSIENT_ERRORS):
            await redis.delete(running)
    await _save(settings, redis, job)
    return job


async def _save(settings: Settings, redis: aioredis.Redis, job: ScanJob) -> None:
    key = channels.collection_scan(settings, job.job_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            mapping={
                "state": job.state.value,
                "folder": job.folder,
                "full": "1" if job.full else "0",
                "done": job.done,
                "total": job.total,
                "summary": json.dumps(job.summary),
                "message": job.message,
            },
        )
        pipe.expire(key, PROGRESS_TTL)
        await pipe.execute()
