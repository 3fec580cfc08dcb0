"""The collection seed's operations (issue 12 §1), one domain function each, for the API, the
CLI and the scan: save one file, save a batch (all or nothing), get by id and by ids, list a
page (status filter, whitelisted order), change one status or a batch (through status.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, null, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.collection.record import CollectionEntry, FileRecord, check_record, row_values
from domain.collection.status import IllegalTransition, parse_status, transition
from domain.db import Sessions
from domain.models import CollectionFile, CollectionStatus
from domain.paging import Page, offset, page_within
from domain.validation import InputError

BATCH_MAX = 10_000  # records in one batch save: a bigger one is a mistake, not a folder
# What the worker found in the audio (domain/collection/analyse_job.py).
ANALYSIS_COLUMNS = (
    "musical_key",
    "camelot",
    "open_key",
    "key_strength",
    "bpm",
    "bpm_confidence",
    "analysed_at",
    "analysis_error",
)
PER_PAGE_MAX = 1000
_HAS_COVER = CollectionFile.cover.is_not(None).label("has_cover")
_F = CollectionFile
# The listing's orderings: name → the columns, each served by an index (models.py).
ORDERINGS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "path": (_F.root.asc(), _F.path.asc()),
    "artist": (_F.artist.asc(), _F.title.asc(), _F.id.asc()),
    "title": (_F.title.asc(), _F.id.asc()),
    "added": (_F.created_at.desc(), _F.id.desc()),
}
DEFAULT_ORDER = "path"


class FileNotFound(LookupError):
    """No collection file with that id; the message names it."""

    def __init__(self, file_id: int) -> None:
        super().__init__(f"no collection file {file_id}")
        self.file_id = file_id


def parse_order(field: str, raw: str | None) -> str:
    """A listing order by name (absent or blank: path); refused with the allowed names."""
    text = (raw or "").strip().lower() or DEFAULT_ORDER
    if text not in ORDERINGS:
        raise InputError(field, f"{field} is {text[:40]!r}: use one of {', '.join(ORDERINGS)}")
    return text


# --- saving ------------------------------------------------------------------------------------


async def save_file(sessions: Sessions, record: FileRecord) -> int:
    """Write one file's row (by root and path: a second save updates it); its id.
    InputError naming the field when the record cannot be stored."""
    return (await save_files(sessions, [record]))[0]


async def save_files(
    sessions: Sessions,
    records: Sequence[FileRecord],
    *,
    roots: Collection[Path] | None = None,
) -> list[int]:
    """Write these files' rows in one transaction, all or nothing: one record that cannot be
    stored saves none, and the InputError names its row ("records[3].path"). Ids in order.
    With `roots` (MUSIC_PATH's folders, for records read elsewhere) any other root is refused."""
    if len(records) > BATCH_MAX:
        raise InputError("records", f"at most {BATCH_MAX} records in one batch")
    rows = []
    for number, record in enumerate(records):
        try:
            rows.append(row_values(check_record(record, roots)))
        except InputError as error:
            raise InputError(
                f"records[{number}].{error.field}",
                f"record {number} ({record.path[:80]!r}): {error}",
            ) from None
    if not rows:
        return []
    async with sessions.begin() as session:
        return await _upsert(session, rows)


async def _upsert(session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
    """Insert or update rows by (root, path); ids in the order given. A re-read file starts
    a new reading: retry_count 0 and present again, and its analysis is kept only when its
    content is the same."""
    inserting = insert(CollectionFile)
    fresh = {name: inserting.excluded[name] for name in rows[0] if name not in ("root", "path")}
    # New content at the same path: what the old audio said about key and tempo is void.
    same_audio = CollectionFile.content_hash == inserting.excluded.content_hash
    kept_analysis = {
        column: case((same_audio, getattr(CollectionFile, column)), else_=null())
        for column in ANALYSIS_COLUMNS
    }
    statement = inserting.on_conflict_do_update(
        index_elements=[CollectionFile.root, CollectionFile.path],
        set_={
            **fresh,
            **kept_analysis,
            "retry_count": 0,
            "missing": False,
            "missing_since": None,
            "updated_at": func.now(),
            "scanned_at": func.now(),
        },
    ).returning(CollectionFile.id, sort_by_parameter_order=True)
    # One statement compiled once, sent as many (batched) VALUES lists by the driver: a
    # VALUES list compiled per batch costs more than reading the files.
    return list((await session.scalars(statement, rows)).all())


# --- reading -----------------------------------------------------------------------------------


def entries() -> Select[CollectionFile, bool]:
    """Files with whether each has a cover (the cover itself stays deferred): what
    `CollectionEntry.of` reads."""
    return select(CollectionFile, _HAS_COVER)


async def get_file(sessions: Sessions, file_id: int) -> CollectionEntry:
    """One collection file; FileNotFound when there is none with that id."""
    async with sessions() as session:
        found = (await session.execute(entries().where(_F.id == file_id))).first()
    if found is None:
        raise FileNotFound(file_id)
    return CollectionEntry.of(found[0], found[1])


async def get_files(sessions: Sessions, file_ids: Sequence[int]) -> list[CollectionEntry]:
    """These collection files, in the order asked; ids with no file are left out."""
    if not file_ids:
        return []
    async with sessions() as session:
        rows = (await session.execute(entries().where(_F.id.in_(set(file_ids))))).all()
    by_id = {row[0].id: CollectionEntry.of(row[0], row[1]) for row in rows}
    return [by_id[file_id] for file_id in dict.fromkeys(file_ids) if file_id in by_id]


async def get_cover(sessions: Sessions, file_id: int) -> bytes | None:
    """A file's cover thumbnail (JPEG), None when it has none; FileNotFound for no such file."""
    async with sessions() as session:
        found = (await session.execute(select(_F.cover).where(_F.id == file_id))).first()
    if found is None:
        raise FileNotFound(file_id)
    return found[0]


async def list_files(
    sessions: Sessions,
    *,
    status: str | CollectionStatus | None = None,
    order: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[CollectionEntry]:
    """One page of the collection, optionally of one status, in a whitelisted order
    (ORDERINGS); InputError naming `status`, `order` or `per_page` for a value not allowed."""
    chosen = parse_order("order", order)
    wanted = parse_status("status", status) if status else None
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise InputError("per_page", f"per_page must be from 1 to {PER_PAGE_MAX}")
    where = [_F.status == wanted.value] if wanted else []
    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(_F).where(*where)) or 0
        number = page_within(page, total, per_page)
        rows = (
            await session.execute(
                entries()
                .where(*where)
                .order_by(*ORDERINGS[chosen])
                .offset(offset(number, per_page))
                .limit(per_page)
            )
        ).all()
    items = [CollectionEntry.of(row[0], row[1]) for row in rows]
    return Page(items=items, total=total, page=number, per_page=per_page)


# --- status changes ----------------------------------------------------------------------------


async def set_status(
    sessions: Sessions, file_id: int, status: str | CollectionStatus, *, error: str | None = None
) -> CollectionEntry:
    """Move one file to `status` (FAILED with its `error`); IllegalTransition naming both
    states for a move status.py does not allow, FileNotFound for no such file."""
    return (await set_statuses(sessions, [file_id], status, error=error))[0]


async def set_statuses(
    sessions: Sessions,
    file_ids: Sequence[int],
    status: str | CollectionStatus,
    *,
    error: str | None = None,
) -> list[CollectionEntry]:
    """Move every one of these files to `status`, all or nothing: one unknown id or illegal
    move changes none (the error names the file)."""
    target = parse_status("status", status)
    unique = list(dict.fromkeys(file_ids))
    async with sessions.begin() as session:
        rows = {
            row.id: row
            for row in await session.scalars(
                select(_F).where(_F.id.in_(unique)).order_by(_F.id).with_for_update()
            )
        }
        for file_id in unique:
            row = rows.get(file_id)
            if row is None:
                raise FileNotFound(file_id)
            current = CollectionStatus(row.status)
            try:
                change = transition(current, target, retry_count=row.retry_count, error=error)
            except IllegalTransition:
                raise IllegalTransition(current, target, file_id) from None
            await session.execute(
                update(_F)
                .where(_F.id == file_id)
                .values(
                    status=change.status.value,
                    error=change.error,
                    retry_count=change.retry_count,
                    updated_at=func.now(),
                )
            )
    return await get_files(sessions, unique)
