"""The time zone a person reads times in: their own (users.time_zone) or DISPLAY_TIMEZONE.

Data stays in UTC everywhere (the database, the API, the CSV export); only what a page shows is
turned into the viewer's zone, by one filter (web/times.py) that asks `viewer_zone`.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from domain.db import Sessions
from domain.models import User
from domain.validation import UTC_NAME, zone_name
from domain.validation import zone_names as zone_names  # the account page's choices

ZONE_NAME_MAX = 64  # users.time_zone; the longest IANA name has 32 characters


def check_zone(field: str, name: str) -> ZoneInfo:
    """The zone called `name`; InputError naming `field` when there is none by that name."""
    return _zone(zone_name(field, name))


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # listed but unreadable: a broken tzdata
        return ZoneInfo(UTC_NAME)


def viewer_zone(own: str | None, default: str) -> ZoneInfo:
    """The zone times are shown in for someone with `own` zone (None: the installation's)."""
    return _zone(own or default)


async def set_time_zone(sessions: Sessions, user_id: int, name: str) -> str | None:
    """Store a user's zone (an empty choice: back to DISPLAY_TIMEZONE); return what was stored."""
    stored = str(check_zone("time_zone", name).key) if name.strip() else None
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(time_zone=stored))
    return stored


async def stored_time_zone(sessions: Sessions, user_id: int) -> str | None:
    """The zone a user chose (None: DISPLAY_TIMEZONE), as stored right now."""
    async with sessions() as session:
        zone: str | None = await session.scalar(select(User.time_zone).where(User.id == user_id))
    return zone
