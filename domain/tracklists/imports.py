"""Import jobs: a tracklist URL fetched, parsed and stored by the worker, with a live status.

A job goes queued → fetching → parsed → stored, or to blocked (the site's breaker is open: the
actor tries again after `retry_at`) or failed (with the reason; nothing stored). Every change is
saved, then published as `ImportJob.to_json()` on `channels.tracklist_import(settings, job_id)`.

Dramatiq delivers at least once, so `run_import` first claims the job: a job stored or failed is
left alone. Any other job runs (again): a retry after an error, a redelivery after its worker died,
or a blocked job whose time has come. A blocked job run early costs nothing: while the breaker is
open the client refuses at once, without a request, and the job is blocked (and queued) again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import func, update

from domain import channels
from domain.config import Settings
from domain.db import Sessions
from domain.models import ImportStatus, TracklistImport
from domain.resources import Resources
from domain.tracklists.client import PoliteClient
from domain.tracklists.fetch_errors import Blocked, SiteError
from domain.tracklists.page_errors import PageError
from domain.tracklists.parse import parse_tracklist
from domain.tracklists.urls import SiteUrls, UrlRefused
from domain.tracklists.versions import store_import

__all__ = [
    "ImportJob",
    "ImportNotFound",
    "ImportStatus",
    "create_import",
    "fail_import",
    "get_import",
    "no_worker_notice",
    "run_import",
    "seconds_to_worker_notice",
    "start_import",
    "waiting_for_worker",
]

log = logging.getLogger(__name__)


FINISHED = (ImportStatus.STORED, ImportStatus.FAILED)


class ImportNotFound(LookupError):
    """No import job with that id."""


@dataclass(frozen=True, slots=True)
class ImportJob:
    """An import job as saved; `to_json()` is what its channel and the API carry."""

    id: int
    url: str
    status: ImportStatus
    message: str
    tracklist_id: int | None
    version: int | None
    changed: bool | None  # stored: did the import make a new version
    force: bool
    retry_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        """Stored or failed: nothing more will happen to this job."""
        return self.status in FINISHED

    @classmethod
    def of(cls, row: TracklistImport) -> ImportJob:
        return cls(
            id=row.id,
            url=row.url,
            status=ImportStatus(row.status),
            message=row.message,
            tracklist_id=row.tracklist_id,
            version=row.version,
            changed=row.changed,
            force=row.force,
            retry_at=row.retry_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "status": self.status.value,
            "message": self.message,
            "tracklist_id": self.tracklist_id,
            "version": self.version,
            "changed": self.changed,
            "force": self.force,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportJob:
        retry_at = data.get("retry_at")
        return cls(
            id=int(data["id"]),
            url=str(data["url"]),
            status=ImportStatus(data["status"]),
            message=str(data.get("message") or ""),
            tracklist_id=data.get("tracklist_id"),
            version=data.get("version"),
            changed=data.get("changed"),
            force=bool(data.get("force")),
            retry_at=datetime.fromisoformat(retry_at) if retry_at else None,
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )


def waiting_for_worker(
    job: ImportJob, patience_seconds: float, now: datetime | None = None
) -> bool:
    """Whether the job has been queued for `patience_seconds` or more: no worker has taken it
    (none may be running; TRACKLISTS_WORKER_NOTICE_SECONDS)."""
    if job.status is not ImportStatus.QUEUED:
        return False
    return seconds_to_worker_notice(job, patience_seconds, now) == 0


def seconds_to_worker_notice(
    job: ImportJob, patience_seconds: float, now: datetime | None = None
) -> float:
    """How long until a queued job is due its no-worker notice (0: it is)."""
    due = job.updated_at + timedelta(seconds=patience_seconds)
    return max(0.0, (due - (now or datetime.now(UTC))).total_seconds())


def no_worker_notice(patience_seconds: float) -> str:
    """What the CLI and the status line say of a job no worker has taken (the commands are
    cli/processes.py's and the Makefile's)."""
    return (
        f"no worker has taken the job in {patience_seconds:g} s: is one running?"
        " Start one with `crateloop worker` (or everything with `make run`); still waiting"
    )


async def create_import(
    sessions: Sessions,
    site: SiteUrls,
    raw_url: str,
    *,
    force: bool = False,
    user_id: int | None = None,
) -> ImportJob:
    """A queued job for this URL; raises UrlRefused (nothing stored) when it is not a tracklist
    URL of the configured site."""
    url = site.tracklist_url(raw_url)
    async with sessions.begin() as session:
        row = TracklistImport(
            url=url,
            status=ImportStatus.QUEUED.value,
            message="waiting for the worker",
            force=force,
            user_id=user_id,
        )
        session.add(row)
        await session.flush()
        await session.refresh(row)
        return ImportJob.of(row)


async def start_import(
    resources: Resources, raw_url: str, *, force: bool = False, user_id: int | None = None
) -> ImportJob:
    """Record an import job for this URL and queue it for the worker; raises UrlRefused (nothing
    recorded or queued) when it is not a tracklist URL of the site. Pages, API and CLI start
    imports here."""
    site = SiteUrls.from_settings(resources.settings.tracklists)
    job = await create_import(resources.sessions, site, raw_url, force=force, user_id=user_id)
    await asyncio.to_thread(resources.jobs.import_tracklist, job.id)
    return job


async def get_import(sessions: Sessions, job_id: int) -> ImportJob:
    """The job with this id as saved; ImportNotFound without one."""
    async with sessions() as session:
        row = await session.get(TracklistImport, job_id)
        if row is None:
            raise ImportNotFound(f"no import with id {job_id}")
        return ImportJob.of(row)


async def run_import(
    job_id: int,
    *,
    sessions: Sessions,
    client: PoliteClient,
    settings: Settings,
    redis: aioredis.Redis,
    on_blocked: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Fetch, parse and store one job's page, saving and publishing each step. When this run
    finds the site blocking us, the job is BLOCKED with `retry_at` and `on_blocked(job)` is
    called (the worker queues the job again for then)."""
    claimed = await _claim(sessions, job_id)
    if claimed is None:
        current = await get_import(sessions, job_id)
        log.info("import %d is %s: not run now", job_id, current.status.value)
        return current
    job, user_id = claimed
    await _publish(settings, redis, job)

    async def step(status: ImportStatus, message: str, **values: Any) -> ImportJob:
        changed = await _save(sessions, job_id, status, message, **values)
        await _publish(settings, redis, changed)
        return changed

    try:
        page = await client.fetch(job.url, validate=parse_tracklist, force=job.force)
        parsed = parse_tracklist(page.text, page.url)
    except Blocked as blocked:
        job = await step(ImportStatus.BLOCKED, str(blocked), retry_at=blocked.retry_at)
        if on_blocked is not None:
            on_blocked(job)
        return job
    except (SiteError, PageError, UrlRefused) as error:
        return await step(ImportStatus.FAILED, str(error) or type(error).__name__)
    rows = len(parsed.tracks)
    await step(ImportStatus.PARSED, f"parsed {rows} row{'s' if rows != 1 else ''}")
    stored = await store_import(sessions, parsed, html_sha256=page.sha256, user_id=user_id)
    if stored.created:
        message = f"stored as version {stored.version}"
    elif stored.changed:
        message = f"stored as version {stored.version}: {stored.summary}"
    else:
        message = f"checked: {stored.summary}"
    return await step(
        ImportStatus.STORED,
        message,
        tracklist_id=stored.tracklist_id,
        version=stored.version,
        changed=stored.changed,
    )


async def fail_import(
    sessions: Sessions, settings: Settings, redis: aioredis.Redis, job_id: int, message: str
) -> ImportJob:
    """Mark a job failed from outside `run_import` (the worker hit an unexpected error)."""
    job = await _save(sessions, job_id, ImportStatus.FAILED, message)
    await _publish(settings, redis, job)
    return job


async def _claim(sessions: Sessions, job_id: int) -> tuple[ImportJob, int | None] | None:
    """Move the job to FETCHING (returning it and its user) unless it is stored or failed."""
    async with sessions.begin() as session:
        if await session.get(TracklistImport, job_id) is None:
            raise ImportNotFound(f"no import with id {job_id}")
        row = await session.scalar(
            update(TracklistImport)
            .where(TracklistImport.id == job_id, TracklistImport.status.not_in(FINISHED))
            .values(
                status=ImportStatus.FETCHING.value,
                message="fetching the page",
                retry_at=None,
                updated_at=func.clock_timestamp(),
            )
            .returning(TracklistImport)
        )
        return (ImportJob.of(row), row.user_id) if row is not None else None


async def _save(
    sessions: Sessions, job_id: int, status: ImportStatus, message: str, **values: Any
) -> ImportJob:
    async with sessions.begin() as session:
        row = await session.scalar(
            update(TracklistImport)
            .where(TracklistImport.id == job_id)
            .values(
                status=status.value,
                message=message,
                updated_at=func.clock_timestamp(),
                **values,
            )
            .returning(TracklistImport)
        )
        if row is None:
            raise ImportNotFound(f"no import with id {job_id}")
        return ImportJob.of(row)


async def _publish(settings: Settings, redis: aioredis.Redis, job: ImportJob) -> None:
    """Tell open status lines; the saved state stays the truth when Redis misses a message."""
    try:
        await redis.publish(channels.tracklist_import(settings, job.id), json.dumps(job.to_json()))
    except RedisError as error:
        log.warning("could not publish the status of import %d: %s", job.id, error)
