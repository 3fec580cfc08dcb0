"""The whole library at once, for `GET /api/v1/library/export`: every track, in the order the
library lists them, read in batches so a large library is not one giant query result."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select

from domain.db import Sessions
from domain.models import LibraryTrack

BATCH = 1_000


async def every_track(sessions: Sessions) -> AsyncIterator[list[LibraryTrack]]:
    """Every library track by id, BATCH at a time (keyset paging: a track added
    meanwhile is either in or out, none is read twice)."""
    after = 0
    while True:
        async with sessions() as session:
            batch = list(
                (
                    await session.scalars(
                        select(LibraryTrack)
                        .where(LibraryTrack.id > after)
                        .order_by(LibraryTrack.id)
                        .limit(BATCH)
                    )
                ).all()
            )
        if not batch:
            return
        yield batch
        after = batch[-1].id
