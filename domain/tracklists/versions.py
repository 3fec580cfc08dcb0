"""A tracklist's next version written: from an import (only checked when unchanged) or a draft.

Choices: an unchanged re-import only sets `checked_at` (and the hash of the page just fetched in
`checked_sha256`); each version keeps the HTML hash of the page it was made from. "Unchanged"
means equal to the current version or to the last imported one, so re-importing a page a DJ has
since corrected by hand keeps the corrections; a page that really changed makes a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import Sessions
from domain.models import (
    Tracklist,
    TracklistOrigin,
    TracklistTrack,
    TracklistVersion,
    VersionOrigin,
)
from domain.tracklists.content import (
    StoredVersion,
    insert_tracks,
    meta_columns,
    same_content,
    set_current,
    version_content,
)
from domain.tracklists.diff import diff_tracklists
from domain.tracklists.model import ParsedTracklist
from domain.tracklists.store import TracklistNotFound, _find

FIRST_IMPORT = "first import"


@dataclass(frozen=True, slots=True)
class StoreResult:
    tracklist_id: int
    version: int
    created: bool  # a new tracklist
    changed: bool  # a new version was made (always true when created)
    summary: str = ""  # the version's summary, or "unchanged since version N"


# --- versions -------------------------------------------------------------------------------------


async def _last_import(
    session: AsyncSession, tracklist: Tracklist, current: StoredVersion | None
) -> StoredVersion | None:
    """The newest imported version, unless it is the current one (already compared)."""
    number = await session.scalar(
        select(func.max(TracklistVersion.number)).where(
            TracklistVersion.tracklist_id == tracklist.id,
            TracklistVersion.origin == VersionOrigin.IMPORT.value,
        )
    )
    if number is None or (current is not None and current.record.number == number):
        return None
    return await version_content(session, tracklist, number)


async def add_version(
    session: AsyncSession,
    tracklist: Tracklist,
    content: ParsedTracklist,
    *,
    origin: VersionOrigin,
    summary: str,
    html_sha256: str | None,
    user_id: int | None,
) -> int:
    """Store `content` as the tracklist's next version and make it the current one; returns its
    number."""
    number = (tracklist.current_version or 0) + 1
    version = TracklistVersion(
        tracklist_id=tracklist.id,
        number=number,
        created_by=user_id,
        origin=origin.value,
        html_sha256=html_sha256,
        summary=summary,
        **meta_columns(content),
    )
    session.add(version)
    await session.flush()
    await insert_tracks(session, TracklistTrack, {"version_id": version.id}, content.tracks)
    tracklist.current_version = number
    await set_current(session, tracklist, content)
    return number


async def locked_tracklist(session: AsyncSession, tracklist_id: int) -> Tracklist:
    """The tracklist, locked until the transaction ends; TracklistNotFound without one."""
    tracklist = await session.scalar(
        select(Tracklist).where(Tracklist.id == tracklist_id).with_for_update()
    )
    if tracklist is None:
        raise TracklistNotFound(f"no tracklist with id {tracklist_id}")
    return tracklist


async def delete_tracklist(sessions: Sessions, tracklist_id: int) -> str:
    """Delete the tracklist with every version, row and its draft (its import jobs keep their
    record, unlinked); returns its title. TracklistNotFound when there is none."""
    async with sessions.begin() as session:
        tracklist = await locked_tracklist(session, tracklist_id)
        title = tracklist.title
        # The tables' foreign keys cascade (import jobs: SET NULL), so one statement does it.
        await session.execute(delete(Tracklist).where(Tracklist.id == tracklist_id))
        return title


# --- imports --------------------------------------------------------------------------------------


async def store_import(
    sessions: Sessions,
    parsed: ParsedTracklist,
    *,
    html_sha256: str | None,
    user_id: int | None = None,
) -> StoreResult:
    """Store a parsed page: a new tracklist (version 1), a new version when its content changed,
    or only `checked_at` when it did not (neither from the current version nor from the last
    imported one: a DJ's published edits are not undone by a re-import of the same page)."""
    async with sessions.begin() as session:
        created = False
        tracklist_id = await _find(session, parsed.source_id, parsed.url)
        if tracklist_id is None and parsed.source_id:
            # Two imports of one page at once: the second waits on the unique index, then updates.
            tracklist_id = await session.scalar(
                insert(Tracklist)
                .values(source_id=parsed.source_id, url=parsed.url, title=parsed.title)
                .values(created_by=user_id, origin=TracklistOrigin.IMPORT.value)
                .on_conflict_do_nothing(
                    index_elements=["source_id"], index_where=Tracklist.source_id.is_not(None)
                )
                .returning(Tracklist.id)
            )
            created = tracklist_id is not None
            tracklist_id = tracklist_id or await _find(session, parsed.source_id, None)
        elif tracklist_id is None:
            tracklist = Tracklist(
                url=parsed.url,
                title=parsed.title,
                created_by=user_id,
                origin=TracklistOrigin.IMPORT.value,
            )
            session.add(tracklist)
            await session.flush()
            tracklist_id, created = tracklist.id, True
        assert tracklist_id is not None
        tracklist = await locked_tracklist(session, tracklist_id)
        tracklist.checked_at = func.now()
        tracklist.checked_sha256 = html_sha256
        if parsed.url:
            tracklist.url = parsed.url
        current = await version_content(session, tracklist, tracklist.current_version)
        # Unchanged: the page is what the tracklist shows, or what the last import found (then
        # the edits a DJ published since are kept).
        for seen in (current, await _last_import(session, tracklist, current)):
            if seen is not None and same_content(seen.content, parsed):
                await session.flush()
                return StoreResult(
                    tracklist_id,
                    tracklist.current_version or seen.record.number,
                    False,
                    False,
                    f"unchanged since version {seen.record.number}",
                )
        summary = (
            FIRST_IMPORT if current is None else diff_tracklists(current.content, parsed).summary
        )
        number = await add_version(
            session,
            tracklist,
            parsed,
            origin=VersionOrigin.IMPORT,
            summary=summary,
            html_sha256=html_sha256,
            user_id=user_id,
        )
        return StoreResult(tracklist_id, number, created, True, summary)
