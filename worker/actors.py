"""Dramatiq actors: the jobs of `domain.jobs`, run. Delivery is at-least-once, so every actor is
safe to run twice.

Run with `crateloop worker` (or `python -m dramatiq worker.actors`). Importing this module installs
the worker's broker, built from the process environment; other processes queue work through
`domain.jobs.JobQueue` and never import it. Each worker process opens its `Resources` once, when
it boots, and closes them when it stops (`ResourcesMiddleware`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import dramatiq
from dramatiq.middleware import AsyncIO

from domain.collection import analyse_job, matching, scan_job
from domain.config import get_settings
from domain.enrichment import job as enrichment_job
from domain.jobs import (
    ANALYSE_COLLECTION,
    CHECK_ALL_LOOPS,
    CHECK_LOOPS,
    COLLECTION_ANALYSIS_QUEUE,
    COLLECTION_QUEUE,
    ENRICH_BATCH_SIZE,
    ENRICH_ITEMS,
    ENRICHMENT_QUEUE,
    IDENTIFY_TRACKLIST,
    IMPORT_DISCOGS_WANTS,
    IMPORT_TRACKLIST,
    LIBRARY_QUEUE,
    LOOP_CHECKS_QUEUE,
    MATCH_COLLECTION,
    MATCH_LIBRARY_CHANGES,
    REFRESH_DISCOVERY_STATISTICS,
    SCAN_COLLECTION,
    TRACKLISTS_QUEUE,
    TRANSIENT_ERRORS,
    batches,
    make_broker,
)
from domain.library import discogs_wants, identify, statistics
from domain.loops.check import active_mapping_ids, check_mappings
from domain.models import LoopStatus
from domain.tracklists.client import PoliteClient
from domain.tracklists.imports import ImportJob, ImportNotFound, fail_import, run_import
from domain.tracklists.store import TracklistNotFound
from worker.metrics import MessageFigures
from worker.resources import ResourcesMiddleware

log = logging.getLogger("crateloop.worker")

MAX_RETRIES = 5

broker = make_broker(get_settings())
broker.add_middleware(AsyncIO())  # our actors are async: they share one event loop thread
# After AsyncIO: its loop exists before ours opens, and on shutdown it stops after we close.
opened = ResourcesMiddleware(get_settings())
broker.add_middleware(opened)
broker.add_middleware(MessageFigures())
dramatiq.set_broker(broker)


def retry_transient(retries: int, error: BaseException) -> bool:
    """Retry (with Dramatiq's exponential backoff) only while the database or Redis is away."""
    return retries <= MAX_RETRIES and isinstance(error, TRANSIENT_ERRORS)


# Every actor: on this broker, retried with backoff (1 s doubling to 1 min) while a service is away.
_RETRIED: dict[str, Any] = {
    "broker": broker,
    "retry_when": retry_transient,
    "min_backoff": 1_000,
    "max_backoff": 60_000,
}


@dramatiq.actor(
    actor_name=CHECK_LOOPS,
    queue_name=LOOP_CHECKS_QUEUE,
    **_RETRIED,
)
async def check_loops(mapping_ids: list[int]) -> None:
    """Probe these mappings' loops, make thumbnails, record the results."""
    own = opened.resources
    checks = await check_mappings(own.engine, own.settings.loops_path, mapping_ids)
    bad = [c for c in checks if c.probe.status not in (None, LoopStatus.OK)]
    log.info("checked %d loop(s) of %d mapping(s): %d bad", len(checks), len(mapping_ids), len(bad))
    for check in bad:
        log.info("mapping %d: %s: %s", check.mapping_id, check.probe.status, check.probe.reason)


@dramatiq.actor(
    actor_name=CHECK_ALL_LOOPS,
    queue_name=LOOP_CHECKS_QUEUE,
    **_RETRIED,
)
async def check_all_loops() -> None:
    """Re-check every active mapping (the daemon's daily job), as many small check messages."""
    ids = await active_mapping_ids(opened.resources.engine)
    for batch in batches(ids):
        check_loops.send(batch)
    log.info("queued loop checks for %d active mapping(s)", len(ids))


@dramatiq.actor(
    actor_name=IMPORT_TRACKLIST,
    queue_name=TRACKLISTS_QUEUE,
    **_RETRIED,
)
async def import_tracklist(job_id: int) -> None:
    """Fetch, parse and store one import job; while the site blocks us, try again later."""
    own = opened.resources
    try:
        job = await run_import(
            job_id,
            sessions=own.sessions,
            client=own.client(PoliteClient),
            settings=own.settings,
            redis=own.redis,
            on_blocked=_retry_later,
        )
    except ImportNotFound:
        log.warning("import %d no longer exists: nothing to do", job_id)
        return
    except TRANSIENT_ERRORS:
        raise  # Dramatiq retries; the job is claimable again then
    except Exception as error:
        await fail_import(
            own.sessions,
            own.settings,
            own.redis,
            job_id,
            f"the import failed unexpectedly: {error!r}"[:500],
        )
        raise
    log.info("import %d (%s): %s: %s", job.id, job.url, job.status.value, job.message)
    if job.changed and job.tracklist_id is not None and own.settings.auto_identify:
        # A new version's tracks (AUTO_IDENTIFY): the tracklist page shows them as they come.
        progress = await identify.start_identify(own, job.tracklist_id)
        log.info("import %d: identifying %d track(s) (%s)", job.id, progress.total, progress.job_id)


def _delay_ms(retry_at: datetime | None) -> int:
    """The message delay that wakes a job just after `retry_at` (at least a second from now)."""
    wait = ((retry_at or datetime.now(UTC)) - datetime.now(UTC)).total_seconds()
    return max(1_000, int(wait * 1000) + 500)


def _retry_later(job: ImportJob) -> None:
    """Queue a blocked job again for when the site's breaker closes."""
    opened.resources.jobs.import_tracklist(job.id, delay_ms=_delay_ms(job.retry_at))


@dramatiq.actor(
    actor_name=IDENTIFY_TRACKLIST,
    queue_name=LIBRARY_QUEUE,
    # Rows run 30 s at most each: a chunk of 100 is well inside Dramatiq's own limit.
    time_limit=identify.CHUNK_ROWS * int(identify.ROW_SECONDS) * 1000 + 60_000,
    **_RETRIED,
)
async def identify_tracklist(
    job_id: str, tracklist_id: int, version: int, row_indexes: list[int], attempt: int = 1
) -> None:
    """Identify these rows of a tracklist version; rows an outside service failed are queued
    again for when it may be asked (the job itself never fails for them)."""
    try:
        outcome = await identify.identify_tracklist(
            opened.resources,
            tracklist_id,
            version=version,
            row_indexes=row_indexes,
            job_id=job_id,
        )
    except TracklistNotFound:
        log.warning("tracklist %d (version %d) is gone: nothing to identify", tracklist_id, version)
        return
    # New library tracks may be files the collection holds.
    await asyncio.to_thread(opened.resources.jobs.match_library_changes)
    log.info(
        "identification %s: %d row(s) of tracklist %d, %d to retry",
        job_id,
        outcome.identified,
        tracklist_id,
        len(outcome.retry_rows),
    )
    if not outcome.retry_rows:
        return
    if attempt >= identify.MAX_ATTEMPTS:
        log.warning("identification %s: rows %s left unmatched", job_id, outcome.retry_rows)
        return
    await asyncio.to_thread(
        opened.resources.jobs.identify_tracklist,
        job_id,
        tracklist_id,
        version,
        outcome.retry_rows,
        attempt=attempt + 1,
        delay_ms=_delay_ms(outcome.retry_at),
    )


@dramatiq.actor(
    actor_name=IMPORT_DISCOGS_WANTS,
    queue_name=LIBRARY_QUEUE,
    time_limit=discogs_wants.PART_SECONDS * 1000,
    **_RETRIED,
)
async def import_discogs_wants(job_id: str) -> None:
    """Import the next part of a Discogs want-list, then queue the part after it (at once, or
    when Discogs may be asked again)."""
    try:
        step = await discogs_wants.run_import(opened.resources, job_id)
    except discogs_wants.WantsImportNotFound:
        log.warning("Discogs want-list import %s has expired: nothing to do", job_id)
        return
    if step.next_in_seconds is not None:
        await asyncio.to_thread(
            opened.resources.jobs.import_discogs_wants,
            job_id,
            delay_ms=int(step.next_in_seconds * 1000) or None,
        )


@dramatiq.actor(
    actor_name=REFRESH_DISCOVERY_STATISTICS,
    queue_name=LIBRARY_QUEUE,
    # Seconds at a million discoveries; anything past ten minutes is a database in trouble.
    time_limit=10 * 60_000,
    **_RETRIED,
)
async def refresh_discovery_statistics() -> None:
    """Compute the discovery statistics' snapshots (a reader found them stale)."""
    computed = await statistics.refresh(opened.resources.sessions)
    log.info("discovery statistics: %d period(s) computed", len(computed))


@dramatiq.actor(
    actor_name=SCAN_COLLECTION,
    queue_name=COLLECTION_QUEUE,
    # A first scan of a large collection reads every file (about a thousand a second).
    time_limit=4 * 3600_000,
    **_RETRIED,
)
async def scan_collection(job_id: str) -> None:
    """Scan MUSIC_PATH (or the job's folder in it); while another scan runs, wait for it."""
    try:
        job = await scan_job.run_scan(opened.resources, job_id)
    except scan_job.ScanNotFound:
        log.warning("collection scan %s has expired: nothing to do", job_id)
        return
    if job is None:
        await asyncio.to_thread(
            opened.resources.jobs.scan_collection,
            job_id,
            delay_ms=int(scan_job.WAIT_SECONDS * 1000),
        )
        return
    log.info("collection scan %s: %s", job_id, job.text)
    if job.state is scan_job.ScanState.DONE:
        stale = await matching.stale_files(opened.resources.sessions)
        if stale:
            await asyncio.to_thread(opened.resources.jobs.match_collection, stale)
            log.info("collection scan %s: %d file(s) queued for matching", job_id, len(stale))
        await asyncio.to_thread(opened.resources.jobs.match_library_changes)
        queued = await analyse_job.queue_analysis(opened.resources)
        if queued:
            log.info("collection scan %s: %d file(s) queued for key and BPM", job_id, queued)


@dramatiq.actor(
    actor_name=ANALYSE_COLLECTION,
    queue_name=COLLECTION_ANALYSIS_QUEUE,
    # Below every other job (lower numbers first): analysis is the long, patient work.
    priority=100,
    # About 3 s a file in the analysis child, BATCH files a message.
    time_limit=analyse_job.BATCH * 60_000,
    **_RETRIED,
)
async def analyse_collection(file_ids: list[int]) -> None:
    """Key and BPM of these collection files, from the audio."""
    analysed = await analyse_job.analyse_files(opened.resources, file_ids)
    log.info("analysed %d of %d collection file(s)", analysed, len(file_ids))


@dramatiq.actor(
    actor_name=ENRICH_ITEMS,
    queue_name=ENRICHMENT_QUEUE,
    # After scans (0), before the long audio analysis (100).
    priority=50,
    # Up to six outside requests an item, at MusicBrainz's one a second.
    time_limit=ENRICH_BATCH_SIZE * 30_000,
    **_RETRIED,
)
async def enrich_items(job_id: str, items: list[str]) -> None:
    """Enrich these library tracks and collection files from the music databases."""
    outcomes = await enrichment_job.run_batch(opened.resources, job_id, items)
    log.info("enrichment %s: %d item(s) done", job_id, len(outcomes))


@dramatiq.actor(
    actor_name=MATCH_COLLECTION,
    queue_name=COLLECTION_QUEUE,
    **_RETRIED,
)
async def match_collection(file_ids: list[int]) -> None:
    """Match these collection files to library tracks (a redelivery changes nothing)."""
    done = await matching.match_files(opened.resources.sessions, file_ids)
    log.info("matched %d collection file(s): %s", len(file_ids), done)


@dramatiq.actor(
    actor_name=MATCH_LIBRARY_CHANGES,
    queue_name=COLLECTION_QUEUE,
    **_RETRIED,
)
async def match_library_changes() -> None:
    """Match the files that could be the library tracks made or changed since the last time."""
    done, more = await matching.match_library_changes(opened.resources)
    log.info("matched collection files against changed library tracks: %s", done)
    if more:
        await asyncio.to_thread(opened.resources.jobs.match_library_changes)
