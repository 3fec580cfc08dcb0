"""Following pins ("Switch now"): the web announces each pin set or removed on
`channels.pins_changed`; the station's player reads the pin itself (domain/stations/pins.py).

On every (re)subscription every station is told to read its pin again: one may have changed
while Redis was out of reach.
"""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis

from daemon.channel_follow import follow_channel
from domain import channels
from domain.config import Settings

EVERY_STATION = None


async def listen_for_pins(
    settings: Settings, redis: aioredis.Redis, changed: Callable[[str | None], None]
) -> None:
    """Call `changed(slug)` for each announced pin change, `changed(None)` when every station
    should look again; until cancelled. A lost subscription needs nothing: each station read
    its pin at start, and the next subscription has them all read again."""

    def announced(data: object) -> None:
        if isinstance(data, bytes):
            data = data.decode(errors="replace")
        if isinstance(data, str) and data:
            changed(data)

    await follow_channel(
        redis,
        channels.pins_changed(settings),
        announced,
        on_subscribed=lambda: changed(EVERY_STATION),
    )
