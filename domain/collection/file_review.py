"""A person's answer to "is this file that track?": the provisional file matches, accepted or
rejected. An accepted link is kept with `by_person`, so no automatic pass undoes it
(domain/collection/matching.py); a rejected track joins the file's `rejected_track_ids` and is
never suggested or linked for that file again (a track found later may still be).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.collection.matching import link_file_in
from domain.db import Sessions
from domain.models import CollectionFile, CollectionMatch, FileMatchState
from domain.paging import Page, offset, page_within

PER_PAGE = 25


class FileMatchNotFound(LookupError):
    """No file waiting for a person's answer with that id; the message names it."""

    def __init__(self, file_id: int) -> None:
        super().__init__(f"no collection file {file_id} waits for review")


@dataclass(frozen=True, slots=True)
class FileReviewRow:
    """One provisional file match: the file's tags beside the suggested tracks."""

    match: CollectionMatch
    file: CollectionFile

    @property
    def reasons(self) -> list[str]:
        found = self.match.differences.get("reasons", [])
        return [str(reason) for reason in found] if isinstance(found, list) else []


def _waiting() -> ColumnElement[bool]:
    return CollectionMatch.state == FileMatchState.PROVISIONAL.value


async def waiting_count(sessions: Sessions) -> int:
    """How many files wait for a person (the navigation's badge counts them with the rows)."""
    async with sessions() as session:
        total = await session.scalar(
            select(func.count()).select_from(CollectionMatch).where(_waiting())
        )
    return total or 0


async def file_review_queue(
    sessions: Sessions, page: int = 1, per_page: int = PER_PAGE
) -> Page[FileReviewRow]:
    """One page of files waiting for a person, oldest decision first."""
    async with sessions() as session:
        total = (
            await session.scalar(
                select(func.count()).select_from(CollectionMatch).where(_waiting())
            )
            or 0
        )
        page = page_within(page, total, per_page)
        found = await session.execute(
            select(CollectionMatch, CollectionFile)
            .join(CollectionFile, CollectionFile.id == CollectionMatch.collection_file_id)
            .where(_waiting())
            .order_by(CollectionMatch.updated_at, CollectionMatch.collection_file_id)
            .limit(per_page)
            .offset(offset(page, per_page))
        )
        rows = [FileReviewRow(match, file) for match, file in found.all()]
    return Page(rows, total, page, per_page)


async def accept_file(sessions: Sessions, file_id: int) -> int:
    """The file is the suggested track: link it (its wanted items move to in_library); the
    track's id. FileMatchNotFound when the file waits for no answer."""
    async with sessions.begin() as session:
        match = await _locked(session, file_id)
        track_id = match.library_track_id
        if track_id is None:
            raise FileMatchNotFound(file_id)
        match.state = FileMatchState.MATCHED.value
        match.by_person = True
        match.updated_at = datetime.now(UTC)
        await link_file_in(session, file_id, track_id)
        return track_id


async def reject_file(sessions: Sessions, file_id: int) -> None:
    """The file is not the suggested track: it is never suggested or linked for it again."""
    async with sessions.begin() as session:
        match = await _locked(session, file_id)
        if match.library_track_id is not None:
            match.rejected_track_ids = sorted({*match.rejected_track_ids, match.library_track_id})
        match.state = FileMatchState.REJECTED.value
        match.library_track_id = None
        match.updated_at = datetime.now(UTC)


async def _locked(session: AsyncSession, file_id: int) -> CollectionMatch:
    match = await session.get(CollectionMatch, file_id, with_for_update=True)
    if match is None or match.state != FileMatchState.PROVISIONAL.value:
        raise FileMatchNotFound(file_id)
    return match
