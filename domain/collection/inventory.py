"""What the scan asks of and writes to the database: the rows it knows under a scope, marking
rows missing or present again, and moving a row to a renamed file's new place (same id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from domain.collection.record import FileRecord, check_record, row_values
from domain.db import Sessions
from domain.models import CollectionFile

CHUNK = 1000  # ids per UPDATE
# The hash written for a file that could not be read at all: never matched to another.
UNREADABLE_HASH = "0" * 64
_F = CollectionFile


@dataclass(frozen=True, slots=True)
class KnownFile:
    id: int
    size: int
    mtime: float
    missing: bool


async def known_files(sessions: Sessions, root: str, prefix: str) -> dict[str, KnownFile]:
    """The rows under `root`/`prefix` (all of the root for ""), by path."""
    query = select(_F.path, _F.id, _F.size, _F.mtime, _F.missing).where(_F.root == root)
    if prefix:
        query = query.where(func.starts_with(_F.path, f"{prefix}/"))
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return {path: KnownFile(id_, size, mtime, missing) for path, id_, size, mtime, missing in rows}


async def mark_missing(sessions: Sessions, file_ids: Sequence[int], *, missing: bool) -> None:
    """Mark these rows missing (since now, for rows not missing already), or present again."""
    async with sessions.begin() as session:
        for start in range(0, len(file_ids), CHUNK):
            chunk = list(file_ids[start : start + CHUNK])
            await session.execute(
                update(_F)
                .where(_F.id.in_(chunk), _F.missing.is_not(missing))
                .values(
                    missing=missing,
                    missing_since=func.now() if missing else None,
                    updated_at=func.now(),
                )
            )


async def move_renamed(sessions: Sessions, records: Sequence[FileRecord]) -> set[int]:
    """Give each new file whose content matches a missing row that row (its id kept, its place
    and reading replaced); the indexes in `records` of the files that took a row."""
    hashes = {r.content_hash for r in records if r.content_hash != UNREADABLE_HASH}
    if not hashes:
        return set()
    moved: set[int] = set()
    async with sessions.begin() as session:
        candidates = (
            await session.execute(
                select(_F.id, _F.content_hash)
                .where(_F.missing, _F.content_hash.in_(hashes))
                .order_by(_F.missing_since.desc(), _F.id)
                .with_for_update(skip_locked=True)
            )
        ).all()
        free: dict[str, list[int]] = {}
        for file_id, digest in candidates:
            free.setdefault(digest, []).append(file_id)
        for number, record in enumerate(records):
            rows = free.get(record.content_hash)
            if not rows:
                continue
            values = row_values(check_record(record))
            await session.execute(
                update(_F)
                .where(_F.id == rows.pop(0))
                .values(
                    **values,
                    retry_count=0,
                    missing=False,
                    missing_since=None,
                    updated_at=func.now(),
                    scanned_at=func.now(),
                )
            )
            moved.add(number)
    return moved
