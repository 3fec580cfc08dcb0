"""The Collection page (search-as-you-type with filters, exports of the current view) and a
file's page (tags beside the analysed values, artwork, status, Re-analyse, its library track and
what mixes well after it) — issue 12 §5.

Input rules are the domain's (domain/collection/search.py `search_filter`); the JSON API for the
same things is web/collection/api.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain import validation
from domain.collection import analyse_job, browse, exports, mixing, scan_job, store
from domain.collection.keys import parse_key
from domain.collection.search import COUNT_CAP, SearchFilter, search_filter
from domain.enrichment.items import ItemKind, ItemRef
from domain.library import store as library_store
from domain.library.store import TrackNotFound
from domain.models import AudioFormat, CollectionStatus
from domain.paging import Page
from domain.resources import Resources
from domain.validation import ID_MAX, InputError
from web.accounts.roles import Access, declare
from web.attachment import attachment
from web.enrichment.pages import item_context

PER_PAGE = 50
PER_PAGE_CHOICES = (25, 50, 100, 200)
RESULTS_TARGET = "collection-results"
FILTERS = ("format", "year_from", "year_to", "status", "key", "bpm_from", "bpm_to")
FORMATS = tuple(kind.value for kind in AudioFormat)
STATUSES = tuple(status.value for status in CollectionStatus)


@dataclass(frozen=True, slots=True)
class CollectionQuery:
    """The Collection page's search, filters and page, as carried in the URL."""

    q: str = ""
    format: str = ""
    year_from: str = ""
    year_to: str = ""
    status: str = ""
    key: str = ""
    bpm_from: str = ""
    bpm_to: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, params: dict[str, str]) -> CollectionQuery:
        number, size, errors = validation.paging(
            params.get("page", ""), params.get("per_page", ""), PER_PAGE_CHOICES, PER_PAGE
        )
        # The search keeps its first 2000 characters (domain/collection/query.py).
        texts = {name: params.get(name, "").strip()[:80] for name in FILTERS}
        return cls(params.get("q", "")[:2000], **texts, page=number, per_page=size, errors=errors)

    def filter(self) -> SearchFilter | None:
        """The domain filter, or None when a value is refused (named in `errors`)."""
        try:
            where = _search_filter(self)
        except InputError as error:
            self.errors.update(error.by_field())
            return None
        return None if self.errors else where

    @property
    def active(self) -> bool:
        return bool(self.q.strip()) or any(getattr(self, name) for name in FILTERS)

    def _pairs(self) -> dict[str, Any]:
        pairs: dict[str, Any] = {"q": self.q} | {name: getattr(self, name) for name in FILTERS}
        return {key: value for key, value in pairs.items() if value != ""}

    def url(self, **changes: Any) -> str:
        values = replace(self, **changes)
        query = values._pairs()
        if values.page > 1:
            query["page"] = values.page
        if values.per_page != PER_PAGE:
            query["per_page"] = values.per_page
        return "/collection" + (f"?{urlencode(query)}" if query else "")

    def export_url(self, extension: str) -> str:
        query = self._pairs()
        return f"/collection/export.{extension}" + (f"?{urlencode(query)}" if query else "")


def _search_filter(query: CollectionQuery) -> SearchFilter:
    return search_filter(**{name: getattr(query, name) for name in FILTERS})


def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in request.query_params.items()}


def _file_id(raw: int) -> int:
    if not 1 <= raw <= ID_MAX:
        raise store.FileNotFound(raw)
    return raw


async def _file_page(
    resources: Resources, file_id: int, *, message: str = "", error: str = "", status: int = 200
) -> Template:
    """A file's page: the entry, what mixes well after it, its library track when linked."""
    mixes = await mixing.mixes_well_after(resources.sessions, _file_id(file_id))
    track = None
    if mixes.entry.library_track_id is not None:
        try:
            track = await library_store.get_track(resources.sessions, mixes.entry.library_track_id)
        except TrackNotFound:
            track = None  # unlinked while this page was made
    context = {
        "entry": mixes.entry,
        "mixes": mixes,
        "track": track,
        "message": message,
        "error": error,
        "parse_key": parse_key,
    } | await item_context(resources, ItemRef(ItemKind.COLLECTION, file_id))
    return Template("collection/file.html", context=context, status_code=status)


def _scan_part(resources: Resources, job: scan_job.ScanJob | None) -> dict[str, Any]:
    return {"scan": job, "scan_minutes": resources.settings.collection.scan_minutes}


class CollectionPagesController(Controller):
    path = "/collection"
    opt = declare(Access.DJ)

    @get("/", name="collection")
    async def index(self, request: HTMXRequest, resources: NamedDependency[Resources]) -> Template:
        """The collection searched as typed (or by path); a refused filter is a 400 naming the
        field, with no rows."""
        query = CollectionQuery.parse(_params(request))
        where = query.filter()
        result: Page[Any] = Page((), 0, 1, query.per_page)
        searched = None
        if where is not None:
            found = await browse.browse(
                resources.sessions, query.q, where, page=query.page, per_page=query.per_page
            )
            result, searched = found.page, found.query
        context = {
            "query": query,
            "result": result,
            "searched": searched,
            "formats": FORMATS,
            "statuses": STATUSES,
            "parse_key": parse_key,
            "count_cap": COUNT_CAP,
            "analysis_off": await analyse_job.unavailable(resources.settings, resources.redis),
        } | _scan_part(resources, await scan_job.latest_scan(resources.settings, resources.redis))
        status = 400 if query.errors else 200
        if request.htmx.target == RESULTS_TARGET and not request.htmx.history_restore_request:
            return HTMXTemplate(
                template_name="collection/results.html",
                context=context | {"oob": True},
                push_url=query.url(page=result.page),
                status_code=status,
            )
        return Template("collection/index.html", context=context, status_code=status)

    @post("/scan", status_code=200)
    async def scan(
        self, request: HTMXRequest, resources: NamedDependency[Resources]
    ) -> Template | Redirect:
        """Scan MUSIC_PATH now, in the worker; the panel follows its progress."""
        job = await scan_job.start_scan(resources)
        if not request.htmx:
            return Redirect("/collection", status_code=303)
        return HTMXTemplate(
            template_name="collection/scan.html", context=_scan_part(resources, job)
        )

    @get("/scan/{job_id:str}")
    async def scan_progress(
        self, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> Template:
        """A scan's progress (htmx asks again every second until it is finished)."""
        try:
            job = await scan_job.get_scan(resources.settings, resources.redis, job_id[:64])
        except scan_job.ScanNotFound:
            raise NotFoundException("No such scan: it may have expired (after a week).") from None
        return Template("collection/scan.html", context=_scan_part(resources, job))

    @get("/export.m3u8")
    async def export_m3u8(
        self, request: Request[Any, Any, Any], resources: NamedDependency[Resources]
    ) -> Response[str]:
        """The current view as an M3U8 playlist download (at most search.COUNT_CAP files)."""
        tracks = await _exported(resources, request)
        return Response(
            exports.m3u8(tracks),
            media_type="audio/x-mpegurl; charset=utf-8",
            headers=attachment("collection.m3u8"),
        )

    @get("/export.xml")
    async def export_xml(
        self, request: Request[Any, Any, Any], resources: NamedDependency[Resources]
    ) -> Response[bytes]:
        """The current view as a Rekordbox collection XML download."""
        tracks = await _exported(resources, request)
        return Response(
            exports.rekordbox_xml(tracks),
            media_type="application/xml",
            headers=attachment("collection.xml"),
        )

    @get("/{file_id:int}")
    async def file(self, resources: NamedDependency[Resources], file_id: FromPath[int]) -> Template:
        """One file: tags beside analysed values, artwork, status, its library track, what
        mixes well after it."""
        return await _file_page(resources, file_id)

    @get("/{file_id:int}/cover.jpg")
    async def cover(
        self, resources: NamedDependency[Resources], file_id: FromPath[int]
    ) -> Response[bytes]:
        """The embedded cover's JPEG thumbnail; 404 when the file has none."""
        picture = await store.get_cover(resources.sessions, _file_id(file_id))
        if picture is None:
            raise NotFoundException(f"collection file {file_id} has no cover")
        return Response(
            picture,
            media_type="image/jpeg",
            headers={"Cache-Control": "private, max-age=3600"},
        )

    @post("/{file_id:int}/reanalyse", status_code=200)
    async def reanalyse(
        self, request: HTMXRequest, resources: NamedDependency[Resources], file_id: FromPath[int]
    ) -> Template | Redirect:
        """Forget the file's analysis and queue it again; a refusal (not read fine, gone,
        analysis off) is a 400 on the file's page."""
        try:
            await analyse_job.reanalyse(resources, _file_id(file_id))
        except InputError as error:
            if not request.htmx:
                return await _file_page(resources, file_id, error=str(error), status=400)
            return HTMXTemplate(
                template_name="collection/reanalyse.html",
                context={"file_id": file_id, "error": str(error)},
                status_code=400,
            )
        if not request.htmx:
            return Redirect(f"/collection/{file_id}", status_code=303)
        context = {"file_id": file_id, "message": "Queued: the worker analyses it again shortly."}
        return HTMXTemplate(template_name="collection/reanalyse.html", context=context)


async def _exported(
    resources: Resources, request: Request[Any, Any, Any]
) -> list[exports.ExportTrack]:
    """The files of the view the export link carries; InputError (400) for a refused filter."""
    query = CollectionQuery.parse(_params(request))
    try:
        where = _search_filter(query)
    except InputError as error:
        raise ValidationException(f"{error.field}: {error}") from None
    entries = await browse.browse_all(resources.sessions, query.q, where)
    return [exports.export_track(entry) for entry in entries]


ROUTES = [CollectionPagesController]
