"""The DJ's music collection as JSON under /api/v1/collection (session or token; issue 12 §6).

List, search, one file and its cover, status changes (one or many, all or nothing) and a batch
save for tools that read files elsewhere. The shapes are `CollectionEntry.to_json()`'s, which
scripts rely on; the rules are domain/collection's (store.py, search.py, status.py, record.py).
A refused input, an illegal status move included, is a 400 naming the field (the want-list's
refused status moves are 400s too: 409 is kept for a value another row holds already).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, QueryParameter

from domain.collection import search, store
from domain.collection.record import CollectionEntry, FileRecord, parse_format
from domain.collection.tags import FileFacts
from domain.resources import Resources
from domain.validation import ID_MAX, InputError
from web.accounts.roles import Access, declare
from web.loops.api import API_PREFIX, RowId, input_error_response

FileId = Annotated[int, msgspec.Meta(ge=1, le=ID_MAX)]
PageNumber = Annotated[int, QueryParameter(ge=1, le=ID_MAX)]
# Read as text: search.search_filter checks them and names the one at fault.
FromYear = Annotated[str, QueryParameter(description="a year from 1000 to 2999")]
FromBpm = Annotated[str, QueryParameter(description="beats per minute from 1 to 999")]
# The browser may keep a cover a while: a re-read file with new art is rare, and reloading fixes it.
COVER_CACHE_CONTROL = "private, max-age=300"


# --- response and request shapes -------------------------------------------------------------


class EntryOut(msgspec.Struct):
    """A collection file, in the shape of `CollectionEntry.to_json()` (the CLI's --json too):
    `key`/`bpm` are the analysed values, else the tags' until the audio is analysed."""

    id: int
    path: str
    root: str
    artist: str | None
    title: str | None
    album: str | None
    album_artist: str | None
    genre: str | None
    year: int | None
    label: str | None
    catalogue_number: str | None
    isrc: str | None
    duration: float | None
    format: str | None
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    size: int
    status: str
    error: str | None
    retry_count: int
    missing: bool
    key: str | None
    camelot: str | None
    open_key: str | None
    bpm: float | None
    tag_key: str | None
    tag_bpm: float | None
    key_strength: float | None
    bpm_confidence: float | None
    analysed_at: str | None
    analysis_error: str | None
    has_cover: bool
    library_track_id: int | None

    @classmethod
    def of(cls, entry: CollectionEntry) -> EntryOut:
        return msgspec.convert(entry.to_json(), cls)


class EntryList(msgspec.Struct):
    items: list[EntryOut]
    total: int
    page: int
    per_page: int
    pages: int


class SearchOut(msgspec.Struct):
    """One page of matches, best first, and the query as read: `searching_for` (folded),
    `message` when there was nothing to search, `notes` for what was cut. `capped`: the count
    stopped early, there are at least `total` matches."""

    items: list[EntryOut]
    total: int
    page: int
    per_page: int
    pages: int
    capped: bool
    searching_for: str
    message: str | None
    notes: list[str]


class StatusChange(msgspec.Struct, forbid_unknown_fields=True):
    """A file's next status (pending, processing, completed, failed); failed needs `error`."""

    status: str
    error: str | None = None


class StatusChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Move every one of these files, or none of them."""

    ids: Annotated[list[FileId], msgspec.Meta(min_length=1, max_length=store.BATCH_MAX)]
    status: str
    error: str | None = None


class RecordIn(msgspec.Struct, forbid_unknown_fields=True):
    """One file as a tool read it: where it is (a MUSIC_PATH `root` and a `path` relative to it),
    its size, mtime and content hash, and what its tags and audio say (no cover). `error` marks
    a file that could not be read (it is saved as failed)."""

    root: str
    path: str
    size: int
    mtime: float
    content_hash: str
    format: str | None = None
    duration: float | None = None
    channels: int | None = None
    sample_rate: int | None = None
    bitrate: int | None = None
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    album_artist: str | None = None
    genre: str | None = None
    year: int | None = None
    label: str | None = None
    catalogue_number: str | None = None
    isrc: str | None = None
    comment: str | None = None
    tag_bpm: float | None = None
    tag_key: str | None = None
    error: str | None = None

    def record(self) -> FileRecord:
        """The record the store takes; InputError("format") for a format crateloop does not read."""
        facts = FileFacts(
            format=parse_format("format", self.format) if self.format is not None else None,
            duration=self.duration,
            channels=self.channels,
            sample_rate=self.sample_rate,
            bitrate=self.bitrate,
            artist=self.artist,
            title=self.title,
            album=self.album,
            album_artist=self.album_artist,
            genre=self.genre,
            year=self.year,
            label=self.label,
            catalogue_number=self.catalogue_number,
            isrc=self.isrc,
            comment=self.comment,
            tag_bpm=Decimal(repr(self.tag_bpm)) if self.tag_bpm is not None else None,
            tag_key=self.tag_key,
            error=self.error,
        )
        return FileRecord(self.root, self.path, self.size, self.mtime, self.content_hash, facts)


class RecordBatch(msgspec.Struct, forbid_unknown_fields=True):
    records: list[RecordIn]

    def file_records(self) -> list[FileRecord]:
        """Every record as the store takes it; a format refused is named as the store names the
        rest of a record's fields ("records[2].format")."""
        found = []
        for number, given in enumerate(self.records):
            try:
                found.append(given.record())
            except InputError as error:
                raise InputError(f"records[{number}].{error.field}", str(error)) from None
        return found


class SavedIds(msgspec.Struct):
    """The saved files' ids, in the order of the records."""

    ids: list[int]


class StatusChanged(msgspec.Struct):
    """The files as they now are, in the order of the ids."""

    items: list[EntryOut]


# --- routes ----------------------------------------------------------------------------------


class CollectionApiController(Controller):
    path = f"{API_PREFIX}/collection"
    tags = ["collection"]
    opt = declare(Access.DJ)
    exception_handlers = {InputError: input_error_response}

    @get("/files")
    async def list_files(
        self,
        resources: NamedDependency[Resources],
        status: Annotated[
            str, QueryParameter(description="pending, processing, completed or failed")
        ] = "",
        order: Annotated[
            str, QueryParameter(description=f"{', '.join(store.ORDERINGS)} (default path)")
        ] = "",
        page: PageNumber = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=store.PER_PAGE_MAX)] = 50,
    ) -> EntryList:
        """A page of the collection, of one status or all, by path, artist, title or newest."""
        found = await store.list_files(
            resources.sessions, status=status, order=order, page=page, per_page=per_page
        )
        items = [EntryOut.of(entry) for entry in found.items]
        return EntryList(items, found.total, found.page, found.per_page, found.pages)

    @get("/files/{file_id:int}")
    async def get_file(self, resources: NamedDependency[Resources], file_id: RowId) -> EntryOut:
        """One collection file; 404 naming the id when there is none."""
        return EntryOut.of(await store.get_file(resources.sessions, file_id))

    @get("/files/{file_id:int}/cover", media_type="image/jpeg")
    async def get_cover(
        self, resources: NamedDependency[Resources], file_id: RowId
    ) -> Response[bytes]:
        """The file's cover thumbnail (JPEG); 404 when the file has none or does not exist."""
        cover = await store.get_cover(resources.sessions, file_id)
        if cover is None:
            raise NotFoundException(f"collection file {file_id} has no cover")
        return Response(
            cover, media_type="image/jpeg", headers={"cache-control": COVER_CACHE_CONTROL}
        )

    @get("/search")
    async def search_files(
        self,
        resources: NamedDependency[Resources],
        q: Annotated[
            str, QueryParameter(description='words (all must match), "a phrase", -not, prefix*')
        ] = "",
        fmt: Annotated[
            str, QueryParameter(name="format", description="mp3, flac, aiff, wav or m4a")
        ] = "",
        year_from: FromYear = "",
        year_to: FromYear = "",
        status: Annotated[
            str, QueryParameter(description="pending, processing, completed or failed")
        ] = "",
        key: Annotated[str, QueryParameter(description="8A, Am, A minor or 1m")] = "",
        bpm_from: FromBpm = "",
        bpm_to: FromBpm = "",
        page: PageNumber = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=search.PER_PAGE_MAX)] = 50,
    ) -> SearchOut:
        """Files matching `q`, best first, narrowed by format, years, status, key and BPM.
        Nothing to search is no error: no items, and `message` says what to type."""
        where = search.search_filter(
            format=fmt,
            year_from=year_from,
            year_to=year_to,
            status=status,
            key=key,
            bpm_from=bpm_from,
            bpm_to=bpm_to,
        )
        found = await search.search_files(
            resources.sessions, q, where, page=page, per_page=per_page
        )
        shown, query = found.page, found.query
        return SearchOut(
            items=[EntryOut.of(entry) for entry in shown.items],
            total=shown.total,
            page=shown.page,
            per_page=shown.per_page,
            pages=shown.pages,
            capped=shown.capped,
            searching_for=query.searching_for,
            message=query.message,
            notes=list(query.notes),
        )

    @patch("/files/{file_id:int}")
    async def change_status(
        self, resources: NamedDependency[Resources], file_id: RowId, data: JSONBody[StatusChange]
    ) -> EntryOut:
        """Move a file to its next status: 400 naming both states for a move the status machine
        does not allow (completed is final; failed may go back to pending, counted as a retry)."""
        entry = await store.set_status(resources.sessions, file_id, data.status, error=data.error)
        return EntryOut.of(entry)

    @post("/files/status", status_code=200)
    async def change_statuses(
        self, resources: NamedDependency[Resources], data: JSONBody[StatusChanges]
    ) -> StatusChanged:
        """Move every one of these files to `status`, or none: one unknown id (404) or illegal
        move (400 naming the file and both states) changes nothing."""
        entries = await store.set_statuses(
            resources.sessions, data.ids, data.status, error=data.error
        )
        return StatusChanged([EntryOut.of(entry) for entry in entries])

    @post("/files/batch", status_code=200)
    async def save_files(
        self, resources: NamedDependency[Resources], data: JSONBody[RecordBatch]
    ) -> SavedIds:
        """Save files read elsewhere (by root and path: a known file is updated), all or
        nothing: one bad record is a 400 naming `records[i].field` and saves none. `root` must
        be one of MUSIC_PATH's folders and `path` relative to it, without `..`."""
        roots: tuple[Path, ...] = resources.settings.collection.music_paths
        records = data.file_records()
        return SavedIds(await store.save_files(resources.sessions, records, roots=roots))


ROUTES = [CollectionApiController]
