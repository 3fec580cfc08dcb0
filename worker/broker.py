"""The Dramatiq broker: Redis from the settings, with queues private to this installation.

Importing this module configures the global broker; that is its only side effect.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO

from domain.config import Settings, get_settings


def make_broker(settings: Settings) -> RedisBroker:
    """A Redis broker whose keys live under the installation's own namespace."""
    # The namespace follows the database name, so test runs and installations sharing one Redis
    # never take each other's messages.
    broker = RedisBroker(  # type: ignore[no-untyped-call]
        url=settings.redis_url, namespace=settings.channel("dramatiq")
    )
    broker.add_middleware(AsyncIO())  # our actors are async: they share one event loop thread
    return broker


broker = make_broker(get_settings())
dramatiq.set_broker(broker)
