"""Following pins ("Switch now"): the web announces each pin set or removed on
`channels.pins_changed`; the station's player reads the pin itself (domain/stations/pins.py).

On every (re)subscription every station is told to read its pin again: one may have changed
while Redis was out of reach.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain import channels
from domain.config import Settings
from domain.outbound.backoff import Backoff

EVERY_STATION = None


async def listen_for_pins(
    settings: Settings, redis: aioredis.Redis, changed: Callable[[str | None], None]
) -> None:
    """Call `changed(slug)` for each announced pin change, `changed(None)` when every station
    should look again; until cancelled."""
    channel = channels.pins_changed(settings)
    backoff = Backoff(0.5, 10.0)
    while True:
        try:
            async with redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(channel)
                backoff.reset()
                changed(EVERY_STATION)
                async for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        data = data.decode(errors="replace")
                    if isinstance(data, str) and data:
                        changed(data)
        except (RedisError, OSError):
            pass  # each station read its pin at start; the next subscription reads again
        await asyncio.sleep(backoff.next())
