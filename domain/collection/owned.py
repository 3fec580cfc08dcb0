"""Which library tracks the DJ owns: a collection file linked to them (the "owned" marks of the
tracklist and library pages)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from domain.db import Sessions
from domain.models import CollectionFile


async def owned_files(sessions: Sessions, track_ids: Iterable[int | None]) -> dict[int, int]:
    """Track id → the id of a present collection file of it (the first found), for the tracks
    among `track_ids` the collection holds; one query on the files' track index."""
    wanted = sorted({track_id for track_id in track_ids if track_id is not None})
    if not wanted:
        return {}
    async with sessions() as session:
        found = await session.execute(
            select(CollectionFile.library_track_id, func.min(CollectionFile.id))
            .where(
                CollectionFile.library_track_id.in_(wanted),
                CollectionFile.missing.is_(False),
            )
            .group_by(CollectionFile.library_track_id)
        )
        return {int(track): int(file) for track, file in found.all() if track is not None}
