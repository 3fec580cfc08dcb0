"""Dramatiq actors. Delivery is at-least-once, so every actor is safe to run twice.

Run with `crateloop worker` (or `python -m dramatiq worker.actors`). Importing this module installs
the worker's broker, built from the process environment; other processes queue work through
worker.queue instead of importing it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import dramatiq
import redis.asyncio as aioredis
from dramatiq.middleware import AsyncIO
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.config import get_settings
from domain.db import create_engine, create_sessionmaker
from domain.loops.check import active_mapping_ids, batches, check_mappings
from domain.models import LoopStatus
from domain.tracklists.client import PoliteClient
from domain.tracklists.imports import ImportJob, ImportNotFound, fail_import, run_import
from worker.broker import make_broker
from worker.queue import (
    CHECK_ALL_LOOPS,
    CHECK_LOOPS,
    IMPORT_TRACKLIST,
    LOOP_CHECKS_QUEUE,
    TRACKLISTS_QUEUE,
)

log = logging.getLogger("crateloop.worker")

MAX_RETRIES = 5
# Database or Redis unreachable: worth waiting for. Anything else is a bug a retry won't fix.
_TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, ConnectionError, TimeoutError)

broker = make_broker(get_settings())
broker.add_middleware(AsyncIO())  # our actors are async: they share one event loop thread
dramatiq.set_broker(broker)

_engine: AsyncEngine | None = None
_redis: aioredis.Redis | None = None
_client: PoliteClient | None = None
REDIS_TIMEOUT_SECONDS = 10


def _database() -> AsyncEngine:
    """The worker process's engine, made on first use on the actors' event loop thread."""
    global _engine
    if _engine is None:
        _engine = create_engine(get_settings(), pool_size=2)
    return _engine


def _site() -> tuple[PoliteClient, aioredis.Redis]:
    """The worker process's one PoliteClient (and its Redis), made on first use like the engine."""
    global _client, _redis
    if _client is None or _redis is None:
        _redis = aioredis.Redis.from_url(
            get_settings().redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        _client = PoliteClient(get_settings(), _redis)
    return _client, _redis


def retry_transient(retries: int, error: BaseException) -> bool:
    """Retry (with Dramatiq's exponential backoff) only while the database or Redis is away."""
    return retries <= MAX_RETRIES and isinstance(error, _TRANSIENT)


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
    checks = await check_mappings(_database(), get_settings().loops_path, mapping_ids)
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
    ids = await active_mapping_ids(_database())
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
    settings = get_settings()
    sessions = create_sessionmaker(_database())
    client, redis = _site()
    try:
        job = await run_import(
            job_id,
            sessions=sessions,
            client=client,
            settings=settings,
            redis=redis,
            on_blocked=_retry_later,
        )
    except ImportNotFound:
        log.warning("import %d no longer exists: nothing to do", job_id)
        return
    except _TRANSIENT:
        raise  # Dramatiq retries; the job is claimable again then
    except Exception as error:
        await fail_import(
            sessions, settings, redis, job_id, f"the import failed unexpectedly: {error!r}"[:500]
        )
        raise
    log.info("import %d (%s): %s: %s", job.id, job.url, job.status.value, job.message)


def _retry_later(job: ImportJob) -> None:
    """Queue a blocked job again for when the site's breaker closes."""
    wait = ((job.retry_at or datetime.now(UTC)) - datetime.now(UTC)).total_seconds()
    import_tracklist.send_with_options(args=(job.id,), delay=max(1_000, int(wait * 1000) + 500))
