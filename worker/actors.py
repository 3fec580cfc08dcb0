"""Dramatiq actors. Delivery is at-least-once, so every actor is safe to run twice.

Run with `crateloop worker` (or `python -m dramatiq worker.actors`). Importing this module installs
the worker's broker, built from the process environment; other processes queue work through
worker.queue instead of importing it.
"""

from __future__ import annotations

import logging

import dramatiq
from dramatiq.middleware import AsyncIO
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.config import get_settings
from domain.db import create_engine
from domain.loop_check import active_mapping_ids, batches, check_mappings
from domain.models import LoopStatus
from worker.broker import make_broker
from worker.queue import CHECK_ALL_LOOPS, CHECK_LOOPS, LOOP_CHECKS_QUEUE

log = logging.getLogger("crateloop.worker")

MAX_RETRIES = 5
# Database or Redis unreachable: worth waiting for. Anything else is a bug a retry won't fix.
_TRANSIENT = (OperationalError, InterfaceError, RedisConnectionError, ConnectionError, TimeoutError)

broker = make_broker(get_settings())
broker.add_middleware(AsyncIO())  # our actors are async: they share one event loop thread
dramatiq.set_broker(broker)

_engine: AsyncEngine | None = None


def _database() -> AsyncEngine:
    """The worker process's engine, made on first use on the actors' event loop thread."""
    global _engine
    if _engine is None:
        _engine = create_engine(get_settings(), pool_size=2)
    return _engine


def retry_transient(retries: int, error: BaseException) -> bool:
    """Retry (with Dramatiq's exponential backoff) only while the database or Redis is away."""
    return retries <= MAX_RETRIES and isinstance(error, _TRANSIENT)


@dramatiq.actor(
    actor_name=CHECK_LOOPS,
    queue_name=LOOP_CHECKS_QUEUE,
    broker=broker,
    retry_when=retry_transient,
    min_backoff=1_000,
    max_backoff=60_000,
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
    broker=broker,
    retry_when=retry_transient,
    min_backoff=1_000,
    max_backoff=60_000,
)
async def check_all_loops() -> None:
    """Re-check every active mapping (the daemon's daily job), as many small check messages."""
    ids = await active_mapping_ids(_database())
    for batch in batches(ids):
        check_loops.send(batch)
    log.info("queued loop checks for %d active mapping(s)", len(ids))
