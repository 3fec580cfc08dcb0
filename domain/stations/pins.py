"""Pins ("Switch now"): an operator shows one loop on a station at once, whatever the track.

A pin lasts until the next track (the next track change clears it and mapping resumes) or until
it is unpinned (track changes are recorded, the loop stays). The web stores it in Redis without
expiry (`channels.station_pin`) and announces it on `channels.pins_changed`; the daemon leading
the station applies it through the station's adapters, reads it again at start (a pin set while
it was down), and clears an until-the-next-track pin when the track changes.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis

from domain import channels
from domain.config import Settings
from domain.loops.files import LoopPathError, stored_loop
from domain.validation import InputError


class PinMode(StrEnum):
    NEXT_TRACK = "next_track"
    UNPINNED = "unpinned"

    @property
    def words(self) -> str:
        """How the dashboard says how long the pin lasts."""
        return "until the next track" if self is PinMode.NEXT_TRACK else "until unpinned"


@dataclass(frozen=True, slots=True)
class Pin:
    """A loop pinned on a station: its path relative to LOOPS_PATH, for how long, since when."""

    station: str  # the station's slug
    loop_path: str
    mode: PinMode
    set_at: float  # unix seconds
    set_by: str  # the username (or "api:<token>") that pinned it

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def parse(cls, raw: bytes | str | None) -> Pin | None:
        """The pin stored in Redis; None when there is none or it is unreadable."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
            return cls(
                station=str(data["station"]),
                loop_path=str(data["loop_path"]),
                mode=PinMode(data["mode"]),
                set_at=float(data["set_at"]),
                set_by=str(data.get("set_by", "")),
            )
        except (ValueError, TypeError, KeyError):
            return None

    @property
    def set_at_utc(self) -> datetime:
        return datetime.fromtimestamp(self.set_at, UTC)

    def as_api(self) -> dict[str, Any]:
        """The pin as the JSON API answers it (times in UTC ISO-8601)."""
        return {
            "station": self.station,
            "loop_path": self.loop_path,
            "until": self.mode.value,
            "set_at": self.set_at_utc.isoformat(),
            "set_by": self.set_by,
        }


def parse_mode(raw: str) -> PinMode:
    """`next_track` or `unpinned`; anything else is refused naming the field."""
    try:
        return PinMode(raw.strip())
    except ValueError:
        choices = " or ".join(mode.value for mode in PinMode)
        raise InputError("until", f"until must be {choices} (got {raw[:40]!r})") from None


def checked_loop(settings: Settings, raw: str) -> str:
    """The loop as stored: an existing .mp4 under LOOPS_PATH, relative to it."""
    if not raw.strip():
        raise InputError("loop_path", "missing loop_path: pick a loop file (.mp4)")
    try:
        return stored_loop(settings.loops_path, raw)
    except LoopPathError as error:
        raise InputError("loop_path", str(error)) from None


async def set_pin(
    redis: aioredis.Redis, settings: Settings, station: str, loop_path: str, until: str, by: str
) -> Pin:
    """Check and store a station's pin, replacing any, and tell the daemon at once."""
    pin = Pin(station, checked_loop(settings, loop_path), parse_mode(until), time.time(), by)
    await redis.set(channels.station_pin(settings, station), pin.to_json())
    await redis.publish(channels.pins_changed(settings), station)
    return pin


async def remove_pin(redis: aioredis.Redis, settings: Settings, station: str) -> bool:
    """Unpin a station (mapping resumes); False when it had no pin."""
    removed = bool(await redis.delete(channels.station_pin(settings, station)))
    await redis.publish(channels.pins_changed(settings), station)
    return removed


async def get_pin(redis: aioredis.Redis, settings: Settings, station: str) -> Pin | None:
    return Pin.parse(await redis.get(channels.station_pin(settings, station)))


async def pins_of(redis: aioredis.Redis, settings: Settings, stations: list[str]) -> dict[str, Pin]:
    """The pins of these stations (by slug), in one round trip."""
    if not stations:
        return {}
    raw = await redis.mget([channels.station_pin(settings, slug) for slug in stations])
    found = {slug: Pin.parse(value) for slug, value in zip(stations, raw, strict=True)}
    return {slug: pin for slug, pin in found.items() if pin is not None}


# Deletes the pin only if it is still the one the caller saw: an operator may have set a new
# pin in the meantime, and that one must stay.
_DELETE_IF_SAME = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)


async def end_pin(redis: aioredis.Redis, settings: Settings, pin: Pin) -> bool:
    """The daemon's side: the track changed under an until-the-next-track pin; remove it unless
    it was replaced meanwhile, and announce the change to the dashboards."""
    key = channels.station_pin(settings, pin.station)
    ended = bool(await redis.eval(_DELETE_IF_SAME, 1, key, pin.to_json()))
    if ended:
        await redis.publish(channels.pins_changed(settings), pin.station)
    return ended
