"""What `GET /metrics` answers: every process's figures summed from the shared folder
(`domain/metrics_dir.py`), plus the job queues' depths read from Redis at scrape time, in the
Prometheus text format.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain import channels, metrics_dir
from domain.config import Settings
from domain.jobs import QUEUES

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Dramatiq's Redis broker keeps a queue's waiting message ids in the list `<namespace>:<queue>`
# and its delayed ones (a retry's backoff, a paced import) in `<namespace>:<queue>.DQ`.
DELAYED_SUFFIX = ".DQ"

QueueDepths = Mapping[tuple[str, str], int]  # (queue, "ready" | "delayed") → messages


async def scrape(redis: aioredis.Redis, settings: Settings) -> bytes:
    """The exposition of every figure, in the Prometheus text format (version 0.0.4)."""
    depths = await queue_depths(redis, settings)
    # Reading a few small files: off the event loop all the same.
    return await asyncio.to_thread(_exposition, depths)


async def queue_depths(redis: aioredis.Redis, settings: Settings) -> QueueDepths:
    """How many messages wait in each job queue, ready to run and delayed: one round trip.
    With Redis out of reach, none: the other figures are served all the same."""
    namespace = channels.job_queues(settings)
    keys = [
        ((queue, state), f"{namespace}:{queue}{suffix}")
        for queue in QUEUES
        for state, suffix in (("ready", ""), ("delayed", DELAYED_SUFFIX))
    ]
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for _, key in keys:
                pipe.llen(key)
            lengths = await pipe.execute()
    except (RedisError, OSError) as error:
        log.warning("metrics: cannot read the job queues' depths: %s", error)
        return {}
    return {label: int(length) for (label, _), length in zip(keys, lengths, strict=True)}


def _exposition(depths: QueueDepths) -> bytes:
    metrics_dir.use()  # before prometheus_client is imported (domain/metrics_dir.py)
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily, Metric
    from prometheus_client.multiprocess import MultiProcessCollector
    from prometheus_client.registry import Collector

    class QueueCollector(Collector):
        def collect(self) -> Iterator[Metric]:
            family = GaugeMetricFamily(
                "worker_queue_messages",
                "Messages waiting in a job queue (ready or delayed)",
                labels=["queue", "state"],
            )
            for (queue, state), count in sorted(depths.items()):
                family.add_metric([queue, state], count)
            yield family

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(QueueCollector())
    return generate_latest(registry)
