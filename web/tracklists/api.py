"""The tracklists JSON API under /api/v1/tracklists (session or Bearer token, like web/api.py).

Local search, the site's search and the tracklists of a DJ or source page, imports by URL
(asynchronous: 202 and a job to poll), a tracklist by id in the stable `--json` shape, CUE sheets
(JSON or a download) and, for admins, clearing the site cache. Errors have the app's one shape
(`web.app.error_body`).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from domain.library import identify
from domain.resources import Resources
from domain.tracklists import imports, store, versions
from domain.tracklists.client import PoliteClient
from domain.tracklists.cue import CueExport, FileType, MissingCues, TooManyTracks
from domain.tracklists.imports import ImportJob
from domain.tracklists.listings import ListingItem, ListingKind
from domain.tracklists.store import TracklistFilter, TracklistSummary, VersionInfo
from domain.tracklists.urls import UrlRefused
from domain.validation import INTEGER_MAX, VERSION_MAX, InputError, parse_date
from web.accounts.roles import Access, declare
from web.loops.api import API_PREFIX, FieldError, RowId, input_error_response
from web.tracklists.downloads import CueQuery, attempt_cue, cue_response, provide_cue_query
from web.tracklists.site import NoAnswer, ask_site, search_type_error

T = TypeVar("T")

PREFIX = f"{API_PREFIX}/tracklists"
POSITIONS_MAX = 1_000  # positions one identification may name


class TracklistList(msgspec.Struct):
    items: list[TracklistSummary]
    total: int
    page: int
    per_page: int
    pages: int


class SiteItem(msgspec.Struct):
    kind: str
    title: str
    url: str
    date: date | None


class SiteResults(msgspec.Struct):
    items: list[SiteItem]
    next_url: str | None


class SiteListing(msgspec.Struct):
    url: str  # the page asked for, in its canonical form
    items: list[SiteItem]


class NewImport(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    force: bool = False


Position = Annotated[int, msgspec.Meta(ge=1, le=INTEGER_MAX)]


class DiscoverTracks(msgspec.Struct, forbid_unknown_fields=True):
    """Which rows to identify: every track (`process_all`), or those at `positions`."""

    process_all: bool = True
    positions: Annotated[list[Position], msgspec.Meta(max_length=POSITIONS_MAX)] | None = None


class CueRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The CUE options; `version` defaults to the current one."""

    version: Annotated[int, msgspec.Meta(ge=1, le=VERSION_MAX)] | None = None
    file_name: str | None = None
    file_type: FileType = FileType.WAVE
    bom: bool = False
    missing: MissingCues = MissingCues.INTERPOLATE
    too_many: TooManyTracks = TooManyTracks.REFUSE

    def query(self) -> CueQuery:
        return CueQuery(
            self.version,
            self.file_name or "",
            self.file_type,
            self.bom,
            self.missing,
            self.too_many,
        )


class CueFileOut(msgspec.Struct):
    name: str
    text: str


class CueOut(msgspec.Struct):
    files: list[CueFileOut]
    warnings: list[str]


class Cleared(msgspec.Struct):
    removed: int


def _version(info: VersionInfo) -> dict[str, Any]:
    return {
        "number": info.number,
        "created_at": info.created_at.isoformat(),
        "created_by": info.created_by,
        "origin": info.origin,
        "summary": info.summary,
        "html_sha256": info.html_sha256,
    }


def _identification(progress: identify.Progress) -> dict[str, Any]:
    status_url = f"{PREFIX}/{progress.tracklist_id}/discover-tracks/{progress.job_id}"
    return {**progress.to_json(), "status_url": status_url}


def _job(job: ImportJob) -> dict[str, Any]:
    return {**job.to_json(), "status_url": f"{PREFIX}/imports/{job.id}"}


def _site_items(items: Sequence[ListingItem]) -> list[SiteItem]:
    return [SiteItem(str(item.kind), item.title, item.url, item.date) for item in items]


async def _from_site(question: Awaitable[T], failed: str) -> T:
    """The site's answer; 503 with Retry-After while the site blocks us, 502 (`failed` and the
    reason) when it fails."""
    try:
        return await ask_site(question, failed)
    except NoAnswer as error:
        if error.retry_at is None:
            raise HTTPException(status_code=502, detail=str(error)) from None
        wait = max(1, math.ceil((error.retry_at - datetime.now(UTC)).total_seconds()))
        raise HTTPException(
            status_code=503, detail=str(error), headers={"Retry-After": str(wait)}
        ) from None


async def _cue(resources: Resources, tracklist_id: int, query: CueQuery) -> CueExport:
    """The tracklist's CUE export; 422 with the reason when the options give none."""
    attempt = await attempt_cue(resources.sessions, tracklist_id, query)
    if attempt.export is None:
        raise HTTPException(status_code=422, detail=attempt.refused)
    return attempt.export


class TracklistsApiController(Controller):
    path = PREFIX
    opt = declare(Access.DJ)
    tags = ["tracklists"]
    dependencies = {"options": Provide(provide_cue_query, sync_to_thread=False)}
    exception_handlers = {InputError: input_error_response}

    @get()
    async def list_tracklists(
        self,
        resources: NamedDependency[Resources],
        date_from: Annotated[str, QueryParameter(name="from", description="YYYY-MM-DD")] = "",
        date_to: Annotated[str, QueryParameter(name="to", description="YYYY-MM-DD")] = "",
        q: FromQuery[str] = "",
        dj: FromQuery[str] = "",
        genre: FromQuery[str] = "",
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=store.PER_PAGE_MAX)] = 25,
    ) -> TracklistList:
        """Stored tracklists: text search `q` (title, DJs, source), DJ, genre, set dates."""
        first, last = parse_date("from", date_from), parse_date("to", date_to)
        where = TracklistFilter(q.strip(), dj.strip(), genre.strip(), first, last)
        result = await store.search_tracklists(resources.sessions, where, page, per_page)
        return TracklistList(
            list(result.items),
            result.total,
            result.page,
            result.per_page,
            result.pages,
        )

    @get("/site-search")
    async def site_search(
        self,
        resources: NamedDependency[Resources],
        q: FromQuery[str],
        kind: Annotated[
            str, QueryParameter(name="type", description="tracklist, dj or source")
        ] = ListingKind.TRACKLIST.value,
    ) -> SiteResults:
        """1001tracklists' own search, through the polite client (a few seconds per request);
        503 with Retry-After while the site blocks us."""
        if kind_error := search_type_error(kind):
            raise FieldError("type", kind_error)
        if not q.strip():
            raise FieldError("q", "give something to search for: a DJ, an event or a title")
        question = resources.client(PoliteClient).search(q, ListingKind(kind))
        listing = await _from_site(question, "the site's search failed")
        return SiteResults(_site_items(listing.items), listing.next_url)

    @get("/site-listing")
    async def site_listing(
        self,
        resources: NamedDependency[Resources],
        url: Annotated[str, QueryParameter(description="a DJ or source page of the site")],
    ) -> SiteListing:
        """The tracklists of a DJ or source page of 1001tracklists, every page of it followed (a
        few seconds per page). A URL off the site is refused (422) before any request; 503 with
        Retry-After while the site blocks us."""
        try:
            page_url = resources.client(PoliteClient).site.page_url(url)
        except UrlRefused as error:
            raise FieldError("url", str(error), status_code=422) from None
        question = resources.client(PoliteClient).tracklists_of(page_url)
        items = await _from_site(question, f"could not list the tracklists of {page_url}")
        return SiteListing(page_url, _site_items(items))

    @post("/imports", status_code=202)
    async def start_import(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        data: JSONBody[NewImport],
    ) -> dict[str, Any]:
        """Queue an import of a tracklist URL (or 1001.tl short link): 202 with the job; poll its
        `status_url`. A URL not on the site is refused (422) before anything is fetched."""
        try:
            job = await imports.start_import(
                resources, data.url, force=data.force, user_id=request.user.id
            )
        except UrlRefused as error:
            raise FieldError("url", str(error), status_code=422) from None
        return _job(job)

    @get("/imports/{job_id:int}")
    async def get_import(
        self, resources: NamedDependency[Resources], job_id: RowId
    ) -> dict[str, Any]:
        """An import job: status queued → fetching → parsed → stored, or blocked / failed."""
        return _job(await imports.get_import(resources.sessions, job_id))

    @post("/{tracklist_id:int}/discover-tracks", status_code=202)
    async def discover_tracks(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: RowId,
        data: JSONBody[DiscoverTracks],
    ) -> dict[str, Any]:
        """Identify the tracks of the tracklist's current version (only those at `positions`
        with `process_all` false): 202 with the job's progress; poll its `status_url`."""
        if data.process_all == bool(data.positions):
            raise FieldError(
                "positions", "give positions with process_all false, or process_all true alone"
            )
        positions = None if data.process_all else data.positions
        return _identification(
            await identify.start_identify(resources, tracklist_id, positions=positions)
        )

    @get("/{tracklist_id:int}/discover-tracks/{job_id:str}")
    async def get_discovery_job(
        self, resources: NamedDependency[Resources], tracklist_id: RowId, job_id: FromPath[str]
    ) -> dict[str, Any]:
        """An identification job: `done` of `total` rows, those waiting for a service, and
        `finished` once every row has been through the pipeline."""
        progress = await identify.get_progress(resources.settings, resources.redis, job_id[:64])
        if progress.tracklist_id != tracklist_id:
            raise identify.JobNotFound(f"no identification job {job_id[:64]}")
        return _identification(progress)

    @delete("/cache", status_code=200, opt=declare(Access.ADMIN))
    async def clear_cache(self, resources: NamedDependency[Resources]) -> Cleared:
        """Forget cached site pages, searches and failures (admins only)."""
        return Cleared(await resources.client(PoliteClient).clear_cache())

    @delete("/{tracklist_id:int}", status_code=204)
    async def delete_tracklist(
        self, resources: NamedDependency[Resources], tracklist_id: RowId
    ) -> None:
        """Delete the tracklist with every version and its draft: 204; 404 when there is none."""
        await versions.delete_tracklist(resources.sessions, tracklist_id)

    @get("/{tracklist_id:int}")
    async def get_tracklist(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: RowId,
        version: Annotated[int | None, QueryParameter(ge=1, le=VERSION_MAX)] = None,
    ) -> dict[str, Any]:
        """The tracklist in the stable `--json` shape, plus `id`, `version` and `versions`."""
        found = await store.get_tracklist(resources.sessions, tracklist_id, version)
        return {
            **found.content.to_json(),
            "id": found.summary.id,
            "version": found.version.number if found.version else None,
            "versions": [_version(info) for info in found.versions],
        }

    @post("/{tracklist_id:int}/cue", status_code=200)
    async def make_cue(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: RowId,
        data: JSONBody[CueRequest],
    ) -> CueOut:
        """The CUE sheet(s) for these options, or 422 saying why there can be none."""
        export = await _cue(resources, tracklist_id, data.query())
        return CueOut([CueFileOut(f.name, f.text) for f in export.files], list(export.warnings))

    @get("/{tracklist_id:int}/cue")
    async def download_cue(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: RowId,
        options: NamedDependency[CueQuery],
    ) -> Response[bytes]:
        """The CUE sheet as a .cue download (a .zip when split); 422 when refused."""
        export = await _cue(resources, tracklist_id, options)
        return cue_response(export)


ROUTES = [TracklistsApiController]
