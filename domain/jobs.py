"""The job queue: the work web, daemon and CLI hand the worker, named once for both sides.

A front queues a job through `JobQueue` (one per process, held by `Resources`); the worker's actors
(`worker/actors.py`) are registered under the same actor and queue names. Messages are built by
name, so a queueing process never imports the worker. Delivery is at-least-once: every job must be
safe to run twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import InterfaceError, OperationalError

from domain import channels
from domain.config import Settings

LOOP_CHECKS_QUEUE = "loop-checks"
CHECK_LOOPS = "check_loops"  # (mapping_ids: list[int]) probe loops, make thumbnails
CHECK_ALL_LOOPS = "check_all_loops"  # () re-check every active mapping, in batches
TRACKLISTS_QUEUE = "tracklists"
IMPORT_TRACKLIST = "import_tracklist"  # (job_id: int) fetch, parse and store an import job
LIBRARY_QUEUE = "library"
# (job_id: str, tracklist_id: int, version: int, row_indexes: list[int], attempt: int)
# identify those rows of that tracklist version as library tracks (domain/library/identify.py)
IDENTIFY_TRACKLIST = "identify_tracklist"
# (job_id: str) import (the next part of) a Discogs want-list (domain/library/discogs_wants.py)
IMPORT_DISCOGS_WANTS = "import_discogs_wants"
# () compute the discovery statistics' snapshots (domain/library/statistics.py)
REFRESH_DISCOVERY_STATISTICS = "refresh_discovery_statistics"

COLLECTION_QUEUE = "collection"
# (job_id: str) scan MUSIC_PATH (or the job's folder in it) (domain/collection/scan_job.py)
SCAN_COLLECTION = "scan_collection"
# (file_ids: list[int]) match these collection files to library tracks
# (domain/collection/matching.py)
MATCH_COLLECTION = "match_collection"
# () match the files that could be the library tracks changed since the last time
MATCH_LIBRARY_CHANGES = "match_library_changes"
COLLECTION_ANALYSIS_QUEUE = "collection-analysis"
# (file_ids: list[int]) key and BPM of these collection files (domain/collection/analyse_job.py)
ANALYSE_COLLECTION = "analyse_collection"
ENRICHMENT_QUEUE = "enrichment"
# (job_id: str, items: list[str]) enrich these items ("library:12", "collection:7"), at most
# ENRICH_BATCH_SIZE a message (domain/enrichment/job.py)
ENRICH_ITEMS = "enrich_items"
ENRICH_BATCH_SIZE = 100

# Every queue the worker consumes: /metrics reports how many messages wait in each.
QUEUES = (
    LOOP_CHECKS_QUEUE,
    TRACKLISTS_QUEUE,
    LIBRARY_QUEUE,
    COLLECTION_QUEUE,
    COLLECTION_ANALYSIS_QUEUE,
    ENRICHMENT_QUEUE,
)

# Database or Redis unreachable: worth waiting for (the worker retries a job that raised one of
# these). Anything else is a bug a retry won't fix.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    ConnectionError,
    TimeoutError,
)

CHECK_BATCH_SIZE = 200  # mappings per check message: bounded messages, quick retries


def make_broker(settings: Settings) -> RedisBroker:
    """A Redis broker whose keys live under the installation's own namespace."""
    # The namespace follows the database name, so test runs and installations sharing one Redis
    # never take each other's messages.
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.redis_url, namespace=channels.job_queues(settings)
    )


def batches(ids: Sequence[int], size: int = CHECK_BATCH_SIZE) -> Iterator[list[int]]:
    """Distinct ids in ascending order, `size` at a time (one worker message each)."""
    unique = sorted(set(ids))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


class JobQueue:
    """Queues jobs for the worker. Sending is blocking Redis I/O: from async code, call it in a
    thread (`asyncio.to_thread`)."""

    def __init__(self, settings: Settings) -> None:
        self.broker = make_broker(settings)

    def check_loops(self, mapping_ids: Sequence[int]) -> None:
        """Check these mappings' loops, in messages of a bounded size."""
        for batch in batches(mapping_ids):
            self._send(LOOP_CHECKS_QUEUE, CHECK_LOOPS, batch)

    def check_all_loops(self) -> None:
        """Re-check every active mapping (the daemon schedules this daily)."""
        self._send(LOOP_CHECKS_QUEUE, CHECK_ALL_LOOPS)

    def import_tracklist(self, job_id: int, *, delay_ms: int | None = None) -> None:
        """Run the import job made by `tracklists.imports.create_import` (after `delay_ms`)."""
        self._send(TRACKLISTS_QUEUE, IMPORT_TRACKLIST, job_id, delay_ms=delay_ms)

    def identify_tracklist(
        self,
        job_id: str,
        tracklist_id: int,
        version: int,
        row_indexes: Sequence[int],
        *,
        attempt: int = 1,
        delay_ms: int | None = None,
    ) -> None:
        """Identify these rows of a tracklist version (`library.identify.start_identify` makes
        the job and its chunks; the worker re-queues rows an outside service failed)."""
        rows = list(row_indexes)
        self._send(
            LIBRARY_QUEUE,
            IDENTIFY_TRACKLIST,
            job_id,
            tracklist_id,
            version,
            rows,
            attempt,
            delay_ms=delay_ms,
        )

    def import_discogs_wants(self, job_id: str, *, delay_ms: int | None = None) -> None:
        """Run (the next part of) a Discogs want-list import (after `delay_ms`)."""
        self._send(LIBRARY_QUEUE, IMPORT_DISCOGS_WANTS, job_id, delay_ms=delay_ms)

    def refresh_discovery_statistics(self) -> None:
        """Compute the discovery statistics' snapshots again (readers found them stale)."""
        self._send(LIBRARY_QUEUE, REFRESH_DISCOVERY_STATISTICS)

    def analyse_collection(self, file_ids: Sequence[int]) -> None:
        """Find the key and BPM of these collection files (after the scans: lower priority)."""
        self._send(COLLECTION_ANALYSIS_QUEUE, ANALYSE_COLLECTION, list(file_ids))

    def match_collection(self, file_ids: Sequence[int]) -> None:
        """Match these collection files to library tracks, in messages of a bounded size."""
        for batch in batches(file_ids):
            self._send(COLLECTION_QUEUE, MATCH_COLLECTION, batch)

    def match_library_changes(self) -> None:
        """Match the files that could be library tracks made or changed since the last time."""
        self._send(COLLECTION_QUEUE, MATCH_LIBRARY_CHANGES)

    def scan_collection(self, job_id: str, *, delay_ms: int | None = None) -> None:
        """Run the collection scan made by `collection.scan_job.start_scan` (after `delay_ms`)."""
        self._send(COLLECTION_QUEUE, SCAN_COLLECTION, job_id, delay_ms=delay_ms)

    def enrich_items(self, job_id: str, items: Sequence[str]) -> None:
        """Enrich these items ("library:12"…) for the job made by `enrichment.job.queue_enrichment`,
        ENRICH_BATCH_SIZE a message."""
        listed = list(items)
        for start in range(0, len(listed), ENRICH_BATCH_SIZE):
            batch = listed[start : start + ENRICH_BATCH_SIZE]
            self._send(ENRICHMENT_QUEUE, ENRICH_ITEMS, job_id, batch)

    def close(self) -> None:
        """Drop the broker's Redis connections (RedisBroker.close leaves its pool open)."""
        self.broker.close()
        self.broker.client.connection_pool.disconnect()

    def _send(
        self, queue_name: str, actor_name: str, *args: Any, delay_ms: int | None = None
    ) -> None:
        message: dramatiq.Message[None] = dramatiq.Message(
            queue_name=queue_name, actor_name=actor_name, args=args, kwargs={}, options={}
        )
        self.broker.enqueue(message, delay=delay_ms)
