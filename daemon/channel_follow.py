"""Following one Redis channel for as long as the daemon runs: subscribe, hand each message on,
and when Redis fails, wait (backoff with jitter) and subscribe again.

The station supervisor (`stations-changed`), the pin listener and each webhook station's watch
follow their channel this way; each passes what to do with a message and with a lost
subscription.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain.outbound.backoff import Backoff

BACKOFF_SECONDS = (0.5, 10.0)  # first and longest wait before subscribing again


async def follow_channel(
    redis: aioredis.Redis,
    channel: str,
    on_message: Callable[[object], None],
    on_subscribed: Callable[[], None] | None = None,
    on_lost: Callable[[RedisError | OSError], None] | None = None,
) -> None:
    """Call `on_message(data)` for each message on `channel`, `on_subscribed()` after each
    (re)subscription and `on_lost(error)` when Redis fails; until cancelled."""
    backoff = Backoff(*BACKOFF_SECONDS)
    while True:
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                backoff.reset()
                if on_subscribed is not None:
                    on_subscribed()
                async for message in pubsub.listen():
                    on_message(message.get("data"))
        except (RedisError, OSError) as error:
            if on_lost is not None:
                on_lost(error)
        await asyncio.sleep(backoff.next())
