"""The Dramatiq broker: Redis from the settings, with queues private to this installation.

Building one has no side effect: the worker process (worker.actors) makes its own and installs
it globally; web and CLI make theirs to enqueue through (worker.queue).
"""

from __future__ import annotations

from dramatiq.brokers.redis import RedisBroker

from domain.config import Settings


def make_broker(settings: Settings) -> RedisBroker:
    """A Redis broker whose keys live under the installation's own namespace."""
    # The namespace follows the database name, so test runs and installations sharing one Redis
    # never take each other's messages.
    return RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.redis_url, namespace=settings.channel("dramatiq")
    )


def close_broker(broker: RedisBroker) -> None:
    """Drop the broker's Redis connections (RedisBroker.close leaves its pool open)."""
    broker.close()
    broker.client.connection_pool.disconnect()
