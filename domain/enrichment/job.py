"""An enrichment job: items queued to the worker in batches, its progress a Redis hash that web
and CLI read.

`queue_enrichment` resolves what to enrich (refs, "pending" or "all"), keeps the job's total and
queues messages of at most ENRICH_BATCH_SIZE items; the worker's `run_batch` enriches each item
and counts it once (a Redis set of the items done), so a redelivered message neither enriches
anything twice (the waterfall skips what is known) nor counts it twice. The job is done when
every item is counted.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.enrichment.clients import Clients
from domain.enrichment.items import ItemRef
from domain.enrichment.pick import Which, due_items, items_of
from domain.enrichment.policy import DEFAULTS, Options
from domain.enrichment.waterfall import Outcome, enrich_item
from domain.resources import Resources

PROGRESS_TTL = 7 * 24 * 3600
COUNTED = ("completed", "partial", "failed", "skipped")


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class EnrichmentJobNotFound(LookupError):
    """No enrichment job with that id (or its progress expired, after a week)."""


@dataclass(frozen=True, slots=True)
class EnrichmentJob:
    """A job's progress as web and CLI show it."""

    job_id: str
    total: int
    done: int = 0
    completed: int = 0
    partial: int = 0
    failed: int = 0
    skipped: int = 0  # gone, or being enriched by another job at the time
    started: bool = False  # a worker took one of its batches

    @property
    def state(self) -> JobState:
        if self.done >= self.total:
            return JobState.DONE
        return JobState.RUNNING if self.done or self.started else JobState.QUEUED

    @property
    def finished(self) -> bool:
        return self.state is JobState.DONE

    @property
    def text(self) -> str:
        """One line for a person: "Enriching: 40 / 120 items (3 partial)"."""
        if not self.finished:
            return f"Enriching: {self.done:,} / {self.total:,} items"
        parts = [f"{self.completed:,} completed"]
        parts += [
            f"{n:,} {what}"
            for n, what in (
                (self.partial, "partial"),
                (self.failed, "failed"),
                (self.skipped, "skipped"),
            )
            if n
        ]
        return f"Enriched {self.total:,} items: {', '.join(parts)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "state": self.state.value,
            "total": self.total,
            "done": self.done,
            "completed": self.completed,
            "partial": self.partial,
            "failed": self.failed,
            "skipped": self.skipped,
            "finished": self.finished,
            "text": self.text,
        }


async def queue_enrichment(resources: Resources, which: Which) -> EnrichmentJob:
    """Queue the enrichment of `which`: item refs (`ItemRef`s or "library:12" texts),
    "pending" (every item not enriched yet) or "all"; the new job (`job_id` to follow it).
    InputError("items") for an unknown or malformed ref, before anything is queued."""
    refs = await items_of(resources.sessions, which)
    return await _queue(resources, refs)


async def queue_due(resources: Resources) -> EnrichmentJob | None:
    """Queue the items due again (the daemon, every 15 minutes); None when none is due."""
    refs = await due_items(resources.sessions)
    return await _queue(resources, refs) if refs else None


async def get_job(settings: Settings, redis: aioredis.Redis, job_id: str) -> EnrichmentJob:
    """A job's progress; EnrichmentJobNotFound when there is none."""
    saved = await redis.hgetall(channels.enrichment_job(settings, job_id))
    if not saved:
        raise EnrichmentJobNotFound(f"no enrichment job {job_id}")
    fields = {channels.text(k): int(v) for k, v in saved.items()}
    return EnrichmentJob(
        job_id=job_id,
        total=fields.get("total", 0),
        done=fields.get("done", 0),
        started=bool(fields.get("started", 0)),
        **{name: fields.get(name, 0) for name in COUNTED},
    )


async def run_batch(
    resources: Resources, job_id: str, items: Sequence[str], options: Options = DEFAULTS
) -> list[Outcome]:
    """Enrich these items one after the other (the worker), counting each once in the job."""
    settings, redis = resources.settings, resources.redis
    key = channels.enrichment_job(settings, job_id)
    if await redis.exists(key):  # so the CLI's --wait knows a worker took it
        await redis.hset(key, "started", 1)
    clients = Clients.open(settings, redis, resources.sessions, options)
    outcomes = []
    try:
        for text in items:
            outcome = await enrich_item(resources.sessions, clients, ItemRef.parse(text))
            outcomes.append(outcome)
            await _count(settings, redis, job_id, outcome)
    finally:
        await clients.aclose()
    return outcomes


async def _queue(resources: Resources, refs: Sequence[ItemRef]) -> EnrichmentJob:
    job = EnrichmentJob(uuid.uuid4().hex, total=len(refs))
    key = channels.enrichment_job(resources.settings, job.job_id)
    async with resources.redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={"total": job.total, "done": 0})
        pipe.expire(key, PROGRESS_TTL)
        await pipe.execute()
    if refs:
        await asyncio.to_thread(resources.jobs.enrich_items, job.job_id, [str(r) for r in refs])
    return job


async def _count(settings: Settings, redis: aioredis.Redis, job_id: str, outcome: Outcome) -> None:
    key = channels.enrichment_job(settings, job_id)
    if not await redis.exists(key):
        return  # a job whose progress expired (or an item queued without one)
    if not await redis.sadd(f"{key}:done", str(outcome.ref)):
        return  # counted by an earlier delivery of this message
    status = outcome.status.value if outcome.status is not None else "skipped"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hincrby(key, "done", 1)
        pipe.hincrby(key, status, 1)
        pipe.expire(f"{key}:done", PROGRESS_TTL)
        await pipe.execute()
