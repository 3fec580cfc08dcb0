"""The periodic collection scan: every COLLECTION_SCAN_MINUTES, ask the worker to scan MUSIC_PATH
(first run after a minute). Unchanged files are not read again, so a scan of an unchanged
collection costs a walk of its folders.

With several daemons running, a Redis key taken with SET NX makes one of them queue per period.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from daemon.error_text import describe
from domain import channels, metrics
from domain.collection.scan_job import ScanJob, start_scan
from domain.resources import Resources

FIRST_RUN_AFTER = 60.0
RETRY_AFTER = 300.0

log = logging.getLogger("crateloop.daemon.collection_scan")


async def schedule_collection_scans(resources: Resources) -> None:
    """The daemon watcher that queues a scan of MUSIC_PATH every COLLECTION_SCAN_MINUTES."""
    every = resources.settings.collection.scan_minutes * 60.0
    await asyncio.sleep(min(FIRST_RUN_AFTER, every))
    while True:
        try:
            queued = await queue_periodic_scan(resources)
        except (RedisError, OSError) as error:
            log.warning("could not queue the collection scan (%s); retrying", describe(error))
            await asyncio.sleep(min(RETRY_AFTER, every))
            continue
        if queued is not None:
            log.info("queued the periodic scan of MUSIC_PATH (%s)", queued.job_id)
        await asyncio.sleep(every)


async def queue_periodic_scan(resources: Resources) -> ScanJob | None:
    """Queue a scan unless another daemon did this period; the scan when this one did."""
    seconds = resources.settings.collection.scan_minutes * 60
    # A little under the period, so this daemon's next run never finds its own key.
    taken = await resources.redis.set(
        channels.collection_scan_schedule(resources.settings), "1", nx=True, ex=max(1, seconds - 10)
    )
    if not taken:
        return None
    scan = await start_scan(resources)
    metrics.job_queued("collection_scan")
    return scan
