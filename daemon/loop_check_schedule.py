"""The daily job: ask the worker to re-check every mapping's loop file (first run after a minute).

With several daemons running, a Redis key taken with SET NX makes one of them enqueue per day.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from daemon.error_text import describe
from domain import channels, metrics
from domain.resources import Resources

FIRST_RUN_AFTER = 60.0
EVERY = 24 * 3600.0
RETRY_AFTER = 300.0

log = logging.getLogger("crateloop.daemon.loop_checks")


async def schedule_loop_checks(resources: Resources) -> None:
    """The daemon watcher that queues `check_all_loops` once a day."""
    await asyncio.sleep(FIRST_RUN_AFTER)
    while True:
        try:
            queued = await queue_daily_check(resources)
        except (RedisError, OSError) as error:
            log.warning("could not queue the daily loop check (%s); retrying", describe(error))
            await asyncio.sleep(RETRY_AFTER)
            continue
        if queued:
            log.info("queued the daily check of every loop")
        await asyncio.sleep(EVERY)


async def queue_daily_check(resources: Resources) -> bool:
    """Queue the check unless another daemon did in the last day; True when this one did."""
    # A little under a day, so the next daily run here never finds yesterday's key.
    taken = await resources.redis.set(
        channels.daily_loop_check(resources.settings), "1", nx=True, ex=int(EVERY) - 600
    )
    if not taken:
        return False
    await asyncio.to_thread(resources.jobs.check_all_loops)
    metrics.job_queued("loop_check")
    return True
