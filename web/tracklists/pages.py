"""The Tracklists pages: the stored list (search and filters), imports with a live status line,
the site's search and the tracklists of a DJ or source page of the site, hand-made tracklists, a
tracklist with its versions, diffs and downloads.

The draft editor is web/pages/tracklist_drafts.py; the status line's stream web/live_imports.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain import validation
from domain.collection.owned import owned_files
from domain.library import identify, review, wants
from domain.paging import PER_PAGE_CHOICES, Page
from domain.resources import Resources
from domain.tracklists import drafts, imports, store, text_format, versions
from domain.tracklists.client import PoliteClient
from domain.tracklists.draft_fields import DraftError
from domain.tracklists.listings import Listing, ListingKind
from domain.tracklists.store import TracklistFilter
from domain.tracklists.urls import UrlRefused
from domain.validation import InputError
from web.accounts.roles import Access, declare
from web.tracklists.downloads import (
    EXPORTS,
    CueQuery,
    attempt_cue,
    cue_response,
    export_response,
    provide_cue_query,
)
from web.tracklists.live import no_worker
from web.tracklists.site import NoAnswer, ask_site, search_type_error

PER_PAGE = 25
RESULTS_TARGET = "tracklists-results"  # what search, filters and paging swap
SITE_KINDS = (
    (ListingKind.TRACKLIST.value, "Tracklists"),
    (ListingKind.DJ.value, "DJs"),
    (ListingKind.SOURCE.value, "Sources / events"),
)
EXPORT_KINDS = tuple((kind, export.label) for kind, export in EXPORTS.items())


@dataclass(frozen=True, slots=True)
class TracklistsQuery:
    """The search, filters and page as carried in the URL (`from`/`to` are YYYY-MM-DD)."""

    q: str = ""
    dj: str = ""
    genre: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    # Each value that breaks its rule (domain.validation): the listing is refused (400, no rows).
    errors: dict[str, str] = field(default_factory=dict, compare=False)
    first_day: date | None = None
    last_day: date | None = None

    @classmethod
    def parse(
        cls, q: str, dj: str, genre: str, date_from: str, date_to: str, page: str, per_page: str
    ) -> TracklistsQuery:
        number, size, errors = validation.paging(page, per_page, PER_PAGE_CHOICES, PER_PAGE)
        first_day, last_day = validation.date_range(date_from, date_to, errors)
        return cls(
            q=q.strip()[:200],
            dj=dj.strip()[:300],
            genre=genre.strip()[:100],
            date_from=date_from.strip()[:40],
            date_to=date_to.strip()[:40],
            page=number,
            per_page=size,
            errors=errors,
            first_day=first_day,
            last_day=last_day,
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.dj or self.genre or self.date_from or self.date_to)

    @property
    def default_per_page(self) -> int:
        return PER_PAGE

    def filter(self) -> TracklistFilter:
        """The domain filter (ask only when `errors` is empty: see `_listing_context`)."""
        return TracklistFilter(self.q, self.dj, self.genre, self.first_day, self.last_day)

    def url(self, **changes: Any) -> str:
        values = replace(self, **changes)
        pairs = {
            "q": values.q,
            "dj": values.dj,
            "genre": values.genre,
            "from": values.date_from,
            "to": values.date_to,
            "page": values.page if values.page > 1 else "",
            "per_page": values.per_page if values.per_page != PER_PAGE else "",
        }
        query = {key: value for key, value in pairs.items() if value != ""}
        return "/tracklists" + (f"?{urlencode(query)}" if query else "")


@dataclass
class ImportForm:
    url: str = ""
    force: bool = False


@dataclass(frozen=True, slots=True)
class SiteQuery:
    q: str = ""
    kind: str = ListingKind.TRACKLIST.value
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class TracklistForm:
    """Metadata of a hand-made tracklist (also the draft editor's metadata form) and its paste."""

    title: str = ""
    djs: str = ""
    source: str = ""
    date: str = ""
    genres: str = ""
    text: str = ""


QueryFrom = Annotated[str, QueryParameter(name="from")]
QueryTo = Annotated[str, QueryParameter(name="to")]
QueryType = Annotated[str, QueryParameter(name="type")]


async def _listing_context(resources: Resources, query: TracklistsQuery) -> dict[str, Any]:
    """The listing; with a refused date, no rows at all (never the unfiltered list)."""
    if query.errors:
        return {"query": query, "result": Page((), 0, 1, query.per_page)}
    result = await store.search_tracklists(
        resources.sessions, query.filter(), query.page, query.per_page
    )
    return {"query": query, "result": result}


def _listing_status(query: TracklistsQuery) -> int:
    return 400 if query.errors else 200


async def _index_page(
    resources: Resources,
    *,
    query: TracklistsQuery | None = None,
    import_form: ImportForm | None = None,
    import_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    """The whole page (also what a browser without JavaScript gets back from a form)."""
    query = query or TracklistsQuery()
    context = await _listing_context(resources, query)
    status_code = max(status_code, _listing_status(query))
    djs, genres = await store.filter_choices(resources.sessions)
    context |= {
        "djs": djs,
        "genres": genres,
        "import_form": import_form or ImportForm(),
        "import_errors": import_errors or {},
        "site_query": SiteQuery(),
        "site_kinds": SITE_KINDS,
    }
    return Template("tracklists/index.html", context=context, status_code=status_code)


class TracklistsController(Controller):
    path = "/tracklists"
    opt = declare(Access.DJ)
    dependencies = {"options": Provide(provide_cue_query, sync_to_thread=False)}

    @get("/", name="tracklists")
    async def index(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        date_from: QueryFrom = "",
        date_to: QueryTo = "",
        q: FromQuery[str] = "",
        dj: FromQuery[str] = "",
        genre: FromQuery[str] = "",
        page: FromQuery[str] = "",
        per_page: FromQuery[str] = "",
    ) -> Template:
        """The stored tracklists; a date that is not YYYY-MM-DD (or an end before the start) is a
        400 naming the field, with no rows."""
        query = TracklistsQuery.parse(q, dj, genre, date_from, date_to, page, per_page)
        wants_results = request.htmx.target == RESULTS_TARGET
        if request.htmx and wants_results and not request.htmx.history_restore_request:
            context = await _listing_context(resources, query) | {"oob": True}
            return HTMXTemplate(
                template_name="tracklists/results.html",
                context=context,
                push_url=query.url(page=context["result"].page),
                status_code=_listing_status(query),
            )
        return await _index_page(resources, query=query)

    # Imports -------------------------------------------------------------------------------

    @post("/imports", status_code=200)
    async def start_import(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[ImportForm],
    ) -> Template | Redirect:
        """Check the URL (refused: 422, nothing queued), record the job, queue it."""
        try:
            job = await imports.start_import(
                resources, data.url, force=data.force, user_id=request.user.id
            )
        except UrlRefused as error:
            errors = {"url": str(error)}
            if not request.htmx:
                return await _index_page(
                    resources, import_form=data, import_errors=errors, status_code=422
                )
            context = {"import_form": data, "import_errors": errors}
            return HTMXTemplate(
                template_name="tracklists/import_form.html", context=context, status_code=422
            )
        if not request.htmx:
            return Redirect(f"/tracklists/imports/{job.id}", status_code=303)
        context = {"import_form": ImportForm(), "import_errors": {}, "started": job}
        return HTMXTemplate(template_name="tracklists/import_form.html", context=context)

    @get("/imports/{job_id:int}")
    async def import_page(
        self, resources: NamedDependency[Resources], job_id: FromPath[int]
    ) -> Template:
        """One import's status line on a page of its own (where a form without htmx lands)."""
        job = await imports.get_import(resources.sessions, job_id)
        patience = resources.settings.tracklists.worker_notice_seconds
        context = {"job": job, "no_worker": no_worker(job, patience)}
        return Template("tracklists/import_page.html", context=context)

    # The site's search ---------------------------------------------------------------------

    @get("/site-search")
    async def site_search(
        self,
        resources: NamedDependency[Resources],
        request: HTMXRequest,
        q: FromQuery[str] = "",
        kind: QueryType = ListingKind.TRACKLIST.value,
    ) -> Template:
        """Search 1001tracklists through the polite client; blocked or failed → the reason."""
        query = SiteQuery(q.strip()[:200], kind)
        listing: Listing | None = None
        site_error: str | None = None
        if kind_error := search_type_error(kind):
            query.errors["type"] = kind_error
        elif not query.q:
            query.errors["q"] = "type something to search for"
        else:
            question = resources.client(PoliteClient).search(query.q, ListingKind(kind))
            try:
                listing = await ask_site(question, "the site's search failed")
            except NoAnswer as error:
                site_error = str(error)
        context = {
            "site_query": query,
            "site_kinds": SITE_KINDS,
            "listing": listing,
            "site_error": site_error,
            "import_form": ImportForm(),
            "import_errors": {},
        }
        status = 422 if query.errors else 200
        if request.htmx:
            return HTMXTemplate(
                template_name="tracklists/site_results.html", context=context, status_code=status
            )
        return Template("tracklists/site_search.html", context=context, status_code=status)

    @get("/site-listing")
    async def site_listing(
        self, resources: NamedDependency[Resources], url: FromQuery[str] = ""
    ) -> Template:
        """The tracklists of a DJ or source page of the site (following its pages), each with an
        import button. A URL off the site is refused (422) before any request."""
        context: dict[str, Any] = {
            "url": url,
            "errors": {},
            "items": None,
            "page_url": None,
            "site_error": None,
            "import_form": ImportForm(),
            "import_errors": {},
        }
        if not url.strip():
            return Template("tracklists/site_listing.html", context=context)
        try:
            page_url = resources.client(PoliteClient).site.page_url(url)
        except UrlRefused as error:
            context["errors"] = {"url": str(error)}
            return Template("tracklists/site_listing.html", context=context, status_code=422)
        question = resources.client(PoliteClient).tracklists_of(page_url)
        try:
            items = await ask_site(question, f"could not list the tracklists of {page_url}")
            context |= {"page_url": page_url, "items": items}
        except NoAnswer as error:
            context |= {"page_url": page_url, "site_error": str(error)}
        return Template("tracklists/site_listing.html", context=context)

    # Hand-made -----------------------------------------------------------------------------

    @get("/new")
    async def new(self) -> Template:
        return _new_page(TracklistForm())

    @post("/new", status_code=200)
    async def create(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        data: URLEncodedBody[TracklistForm],
    ) -> Template | Redirect:
        """Parse the paste, create the tracklist as a draft; any error → the form, filled."""
        pasted = text_format.parse_text(data.text)
        if pasted.errors:
            return _new_page(data, text_errors=pasted.errors, status_code=422)
        try:
            tracklist_id = await drafts.create_manual(
                resources.sessions,
                title=data.title,
                djs=data.djs,
                source=data.source,
                date=data.date,
                genres=data.genres,
                tracks=pasted.tracks,
                user_id=request.user.id,
            )
        except DraftError as error:
            return _new_page(data, {error.field: str(error)}, status_code=422)
        return Redirect(f"/tracklists/{tracklist_id}/draft", status_code=303)

    # One tracklist -------------------------------------------------------------------------

    @get("/{tracklist_id:int}")
    async def detail(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        version: FromQuery[int | None] = None,
    ) -> Template:
        found = await store.get_tracklist(resources.sessions, tracklist_id, version)
        states = (
            await review.row_states(resources.sessions, tracklist_id, found.version.number)
            if found.version
            else {}
        )
        owned = await owned_files(
            resources.sessions, [state.library_track_id for state in states.values()]
        )
        context = {
            "detail": found,
            "cue": CueQuery(),
            "export_kinds": EXPORT_KINDS,
            "identified": states,
            "owned": owned,
        }
        return Template("tracklists/detail.html", context=context)

    @post("/{tracklist_id:int}/want-identified", status_code=200)
    async def want_identified(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
    ) -> Template | Redirect:
        """Put every identified track of the tracklist that is not on the user's want-list on it,
        each with where it was heard; a full list refuses them all, said beside the button."""
        try:
            added = await wants.add_identified(resources.sessions, request.user.id, tracklist_id)
        except InputError as error:
            if not request.htmx:
                raise ClientException(str(error)) from None
            context: dict[str, Any] = {"tracklist_id": tracklist_id, "error": str(error)}
            return HTMXTemplate(
                template_name="tracklists/want_identified.html", context=context, status_code=422
            )
        if not request.htmx:
            return Redirect("/want-list", status_code=303)
        context = {"tracklist_id": tracklist_id, "added": added}
        return HTMXTemplate(template_name="tracklists/want_identified.html", context=context)

    @post("/{tracklist_id:int}/identify", status_code=200)
    async def identify(
        self, resources: NamedDependency[Resources], tracklist_id: FromPath[int]
    ) -> Template:
        """Queue the identification of the current version; the progress line polls it."""
        progress = await identify.start_identify(resources, tracklist_id)
        return Template("tracklists/identify_progress.html", context={"progress": progress})

    @get("/identify/{job_id:str}")
    async def identify_progress(
        self, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> Template:
        """An identification job's progress line (htmx asks again until it is finished)."""
        progress = await identify.get_progress(resources.settings, resources.redis, job_id[:64])
        return Template("tracklists/identify_progress.html", context={"progress": progress})

    @get("/{tracklist_id:int}/delete")
    async def confirm_delete(
        self, resources: NamedDependency[Resources], tracklist_id: FromPath[int]
    ) -> Template:
        """What deleting the tracklist takes with it, and the form that does it."""
        found = await store.get_tracklist(resources.sessions, tracklist_id)
        return Template("tracklists/delete.html", context={"detail": found})

    @post("/{tracklist_id:int}/delete", status_code=303)
    async def delete(
        self, resources: NamedDependency[Resources], tracklist_id: FromPath[int]
    ) -> Redirect:
        """Delete the tracklist, its versions and its draft; back to the list."""
        await versions.delete_tracklist(resources.sessions, tracklist_id)
        return Redirect("/tracklists", status_code=303)

    @get("/{tracklist_id:int}/versions/{number:int}")
    async def version_diff(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        number: FromPath[int],
    ) -> Template:
        """Version `number` against the one before it."""
        diff = await store.version_diff(resources.sessions, tracklist_id, number)
        found = await store.get_tracklist(resources.sessions, tracklist_id, number)
        context = {"diff": diff, "tracklist_id": tracklist_id, "title": found.content.title}
        return Template("tracklists/diff.html", context=context)

    @get("/{tracklist_id:int}/cue")
    async def cue(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        options: NamedDependency[CueQuery],
    ) -> Response[bytes] | Template:
        """The CUE sheet (a .zip when split), or why the options give none (422)."""
        attempt = await attempt_cue(resources.sessions, tracklist_id, options)
        if attempt.export is None:
            context = {"refused": attempt.refused, "tracklist_id": tracklist_id}
            return Template("tracklists/cue_refused.html", context=context, status_code=422)
        return cue_response(attempt.export)

    @get("/{tracklist_id:int}/cue/check")
    async def cue_check(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        options: NamedDependency[CueQuery],
    ) -> Template:
        """What these options give: file names and warnings, or the refusal."""
        attempt = await attempt_cue(resources.sessions, tracklist_id, options)
        context = {"export": attempt.export, "refused": attempt.refused}
        return HTMXTemplate(template_name="tracklists/cue_report.html", context=context)

    @get("/{tracklist_id:int}/export/{kind:str}")
    async def export(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        kind: FromPath[str],
        version: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """Plain text (the site's export format), JSON or M3U."""
        if kind not in EXPORTS:
            raise NotFoundException(f"no export {kind!r}: use one of {', '.join(EXPORTS)}")
        found = await store.get_tracklist(resources.sessions, tracklist_id, version)
        return export_response(kind, found.content)


def _new_page(
    form: TracklistForm,
    errors: dict[str, str] | None = None,
    text_errors: tuple[text_format.TextLineError, ...] = (),
    *,
    status_code: int = 200,
) -> Template:
    context = {"form": form, "errors": errors or {}, "text_errors": text_errors}
    return Template("tracklists/new.html", context=context, status_code=status_code)
