"""The periodic enrichment: every ENRICH_MINUTES, queue up to 100 items that are due (pending,
failed fewer than 3 times, or partial and last tried a day ago) and delete expired API answers.

With several daemons running, a Redis key taken with SET NX makes one of them do it per period.
"""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from daemon.error_text import describe
from domain import channels
from domain.enrichment.api_cache import purge_expired
from domain.enrichment.job import EnrichmentJob, queue_due
from domain.resources import Resources

ENRICH_MINUTES = 15
FIRST_RUN_AFTER = 90.0
RETRY_AFTER = 300.0

log = logging.getLogger("crateloop.daemon.enrichment")


async def schedule_enrichment(resources: Resources) -> None:
    """The daemon watcher that queues due items and purges the API cache every ENRICH_MINUTES."""
    every = ENRICH_MINUTES * 60.0
    await asyncio.sleep(FIRST_RUN_AFTER)
    while True:
        try:
            queued = await enrich_due(resources)
        except (RedisError, SQLAlchemyError, OSError) as error:
            log.warning("could not queue enrichment (%s); retrying", describe(error))
            await asyncio.sleep(RETRY_AFTER)
            continue
        if queued is not None:
            log.info("queued %d item(s) for enrichment (%s)", queued.total, queued.job_id)
        await asyncio.sleep(every)


async def enrich_due(resources: Resources) -> EnrichmentJob | None:
    """Unless another daemon did this period: purge expired answers, queue the due items; the
    job when one was queued."""
    taken = await resources.redis.set(
        channels.enrichment_schedule(resources.settings),
        "1",
        nx=True,
        ex=ENRICH_MINUTES * 60 - 10,  # a little under the period: never this daemon's own key
    )
    if not taken:
        return None
    purged = await purge_expired(resources.sessions)
    if purged:
        log.info("deleted %d expired API answer(s)", purged)
    return await queue_due(resources)
