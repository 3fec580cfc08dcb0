"""The Library page (tracks, filters, one track with its mixes and shop links) and the Want-list
page (the user's items, inline edit, bulk changes, exports) — issue 11 §5.

Input rules are the domain's (domain/library/wants.py, domain/validation.py); the JSON API for the
same things is web/library/api.py. Another user's want-list item is a 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain import validation
from domain.collection.owned import owned_files
from domain.enrichment.items import ItemKind, ItemRef
from domain.library import discogs_wants, store, wants
from domain.library.discogs import DiscogsClient
from domain.library.store import TrackFilter, TrackNotFound, TrackSort
from domain.library.wants import WantFilter, WantNotFound
from domain.models import WantStatus
from domain.paging import Page
from domain.resources import Resources
from domain.validation import ID_MAX, InputError, parse_date
from web.accounts.roles import Access, declare
from web.enrichment.pages import item_context

PER_PAGE = 25
PER_PAGE_CHOICES = (10, 25, 50, 100)
RESULTS_TARGET = "library-results"
WANTS_TARGET = "wants-results"
SORTS = (
    (TrackSort.MOST_SUPPORTED.value, "Times discovered"),
    (TrackSort.LAST_SEEN.value, "Last seen"),
    (TrackSort.TITLE.value, "Title"),
)
STATUSES = tuple(status.value for status in WantStatus)
PRIORITIES = (1, 2, 3, 4, 5)


def _min_mixes(raw: str) -> int | None:
    """ "Only in ≥ N mixes": blank is not filtered; otherwise the page-number rule (a whole
    number from 1), capped where the database's integer ends."""
    if not raw.strip():
        return None
    return min(validation.page_number("min_mixes", raw), validation.INTEGER_MAX)


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """The Library page's filters, sort and page, as carried in the URL."""

    artist: str = ""
    title: str = ""
    genre: str = ""
    label: str = ""
    discovered_after: str = ""
    min_mixes: str = ""
    sort: str = TrackSort.MOST_SUPPORTED.value
    page: int = 1
    per_page: int = PER_PAGE
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, params: dict[str, str]) -> LibraryQuery:
        number, size, errors = validation.paging(
            params.get("page", ""), params.get("per_page", ""), PER_PAGE_CHOICES, PER_PAGE
        )
        sort = params.get("sort", "").strip() or TrackSort.MOST_SUPPORTED.value
        if sort not in {value for value, _ in SORTS}:
            errors["sort"] = f"sort is {sort[:40]!r}: use discovered, last_seen or title"
        texts = {name: params.get(name, "").strip()[:200] for name in _TEXT_FILTERS}
        return cls(**texts, sort=sort, page=number, per_page=size, errors=errors)

    def filter(self) -> TrackFilter | None:
        """The domain filter, or None when a value is refused (named in `errors`)."""
        refusals = validation.Refusals()
        after = refusals.check(parse_date, "discovered_after", self.discovered_after)
        mixes = refusals.check(_min_mixes, self.min_mixes)
        for error in refusals.errors:
            self.errors.update(error.by_field())
        if self.errors:
            return None
        return TrackFilter(self.artist, self.title, self.genre, self.label, after, mixes)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in _TEXT_FILTERS)

    def url(self, **changes: Any) -> str:
        values = replace(self, **changes)
        pairs: dict[str, Any] = {name: getattr(values, name) for name in _TEXT_FILTERS}
        pairs["sort"] = values.sort if values.sort != TrackSort.MOST_SUPPORTED.value else ""
        pairs["page"] = values.page if values.page > 1 else ""
        pairs["per_page"] = values.per_page if values.per_page != PER_PAGE else ""
        query = {key: value for key, value in pairs.items() if value != ""}
        return "/library" + (f"?{urlencode(query)}" if query else "")


_TEXT_FILTERS = ("artist", "title", "genre", "label", "discovered_after", "min_mixes")


@dataclass(frozen=True, slots=True)
class WantsQuery:
    """The Want-list page's filters and page, as carried in the URL."""

    status: str = ""
    priority: str = ""
    added_after: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(cls, params: dict[str, str]) -> WantsQuery:
        number, size, errors = validation.paging(
            params.get("page", ""), params.get("per_page", ""), PER_PAGE_CHOICES, PER_PAGE
        )
        texts = {name: params.get(name, "").strip()[:40] for name in _WANT_FILTERS}
        return cls(**texts, page=number, per_page=size, errors=errors)

    def filter(self) -> WantFilter | None:
        """The domain filter, or None when a value is refused (named in `errors`)."""
        try:
            where = wants.want_filter(self.status, self.priority, self.added_after)
        except InputError as error:
            self.errors.update(error.by_field())
            return None
        return None if self.errors else where

    def url(self, **changes: Any) -> str:
        values = replace(self, **changes)
        pairs: dict[str, Any] = {name: getattr(values, name) for name in _WANT_FILTERS}
        pairs["page"] = values.page if values.page > 1 else ""
        pairs["per_page"] = values.per_page if values.per_page != PER_PAGE else ""
        query = {key: value for key, value in pairs.items() if value != ""}
        return "/want-list" + (f"?{urlencode(query)}" if query else "")

    def export_url(self, fmt: str) -> str:
        pairs = {name: getattr(self, name) for name in _WANT_FILTERS} | {"format": fmt}
        query = {key: value for key, value in pairs.items() if value}
        return f"/api/v1/want-list/export?{urlencode(query)}"


_WANT_FILTERS = ("status", "priority", "added_after")


def _params(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in request.query_params.items()}


async def _track_page(
    resources: Resources, track_id: int, *, message: str = "", error: str = "", status: int = 200
) -> Template:
    view = await store.get_track(resources.sessions, track_id)
    owned = await owned_files(resources.sessions, [track_id])
    context = {
        "view": view,
        "links": view.links,
        "message": message,
        "error": error,
        "owned_file": owned.get(track_id),
    }
    context |= await item_context(resources, ItemRef(ItemKind.LIBRARY, track_id))
    return Template("library/track.html", context=context, status_code=status)


def _row(
    entry: wants.WantEntry,
    errors: dict[str, str],
    typed: dict[str, str] | None = None,
    status: int = 200,
    *,
    saved: bool = False,
) -> Template:
    context = {
        "entry": entry,
        "errors": errors,
        "typed": typed or {},
        "saved": saved,  # marks the row just stored (a brief highlight, static/app.css)
        "statuses": STATUSES,
        "priorities": PRIORITIES,
    }
    return HTMXTemplate(template_name="library/want_row.html", context=context, status_code=status)


class LibraryPagesController(Controller):
    opt = declare(Access.DJ)

    @get("/library", name="library")
    async def library(
        self, request: HTMXRequest, resources: NamedDependency[Resources]
    ) -> Template:
        """The library's tracks; a refused filter is a 400 naming the field, with no rows."""
        query = LibraryQuery.parse(_params(request))
        where = query.filter()
        result: Page[Any] = Page((), 0, 1, query.per_page)
        if where is not None:
            result = await store.list_tracks(
                resources.sessions, where, TrackSort(query.sort), query.page, query.per_page
            )
        owned = await owned_files(resources.sessions, [t.id for t in result.items])
        context = {"query": query, "result": result, "sorts": SORTS, "owned": owned}
        status = 400 if query.errors else 200
        if request.htmx.target == RESULTS_TARGET and not request.htmx.history_restore_request:
            return HTMXTemplate(
                template_name="library/results.html",
                context=context | {"oob": True},
                push_url=query.url(page=result.page),
                status_code=status,
            )
        return Template("library/index.html", context=context, status_code=status)

    @get("/library/{track_id:int}")
    async def track(
        self, resources: NamedDependency[Resources], track_id: FromPath[int]
    ) -> Template:
        """A track: its metadata, every mix it was heard in, its shop links."""
        if not 1 <= track_id <= ID_MAX:
            raise TrackNotFound(track_id)
        return await _track_page(resources, track_id)

    @post("/library/{track_id:int}/want", status_code=200)
    async def want(
        self, request: HTMXRequest, resources: NamedDependency[Resources], track_id: FromPath[int]
    ) -> Template:
        """Put the track on the user's want-list; the domain's refusal (already on it, list full)
        is a 400 shown beside the button."""
        if not 1 <= track_id <= ID_MAX:
            raise TrackNotFound(track_id)
        try:
            await wants.add_want(resources.sessions, request.user.id, track_id)
        except InputError as error:
            if not request.htmx:
                # A track that does not exist is a 404 (TrackNotFound), not this page.
                return await _track_page(resources, track_id, error=str(error), status=400)
            context = {"track_id": track_id, "error": str(error)}
            return HTMXTemplate(
                template_name="library/want_button.html", context=context, status_code=400
            )
        if not request.htmx:
            return await _track_page(resources, track_id, message="Added to your want-list.")
        context = {"track_id": track_id, "message": "Added to your want-list."}
        return HTMXTemplate(template_name="library/want_button.html", context=context)


class WantListPagesController(Controller):
    path = "/want-list"
    opt = declare(Access.DJ)

    @get("/", name="want_list")
    async def index(self, request: HTMXRequest, resources: NamedDependency[Resources]) -> Template:
        """The user's want-list; a refused filter is a 400 naming the field, with no rows."""
        query = WantsQuery.parse(_params(request))
        context = await _wants_context(resources, request.user.id, query)
        result = context["result"]
        status = 400 if query.errors else 200
        if request.htmx.target == WANTS_TARGET and not request.htmx.history_restore_request:
            return HTMXTemplate(
                template_name="library/want_results.html",
                context=context | {"oob": True},
                push_url=query.url(page=result.page),
                status_code=status,
            )
        return Template("library/wants.html", context=context, status_code=status)

    @post("/import-discogs", status_code=200)
    async def import_discogs(
        self, request: HTMXRequest, resources: NamedDependency[Resources]
    ) -> Template | Redirect:
        """Start importing a Discogs want-list; a refusal (no token, a refused one, a name
        Discogs cannot have, an import still running) is a 400 with the form as typed."""
        form = await request.form()
        username = str(form.get("username", ""))[:200]
        user_id = request.user.id
        try:
            await discogs_wants.start_import(resources, user_id, username)
        except InputError as error:
            discogs = await _discogs_part(resources, user_id, username=username, error=str(error))
            if not request.htmx:
                context = await _wants_context(resources, user_id, WantsQuery(), discogs=discogs)
                return Template("library/wants.html", context=context, status_code=400)
            return HTMXTemplate(
                template_name="library/discogs_import.html",
                context={"discogs": discogs},
                status_code=400,
            )
        if not request.htmx:
            return Redirect("/want-list", status_code=303)
        return HTMXTemplate(
            template_name="library/discogs_import.html",
            context={"discogs": await _discogs_part(resources, user_id, username=username)},
        )

    @get("/import-discogs/{job_id:str}")
    async def discogs_import_progress(
        self, request: HTMXRequest, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> Template:
        """An import's progress (htmx asks again until it is finished); another user's is a 404."""
        latest = await discogs_wants.get_import(
            resources.settings, resources.redis, job_id[:64], request.user.id
        )
        return await _import_part(resources, request.user.id, latest)

    @post("/import-discogs/{job_id:str}/stop", status_code=200)
    async def stop_discogs_import(
        self, request: HTMXRequest, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> Template | Redirect:
        """Stop an import: nothing more is imported, what was added stays."""
        stopped = await discogs_wants.stop_import(
            resources.settings, resources.redis, job_id[:64], request.user.id
        )
        if not request.htmx:
            return Redirect("/want-list", status_code=303)
        return await _import_part(resources, request.user.id, stopped)

    @post("/{want_id:int}", status_code=200)
    async def edit(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        want_id: FromPath[int],
    ) -> Template | Redirect:
        """Change one item's priority, status and notes; a refusal is a 400 with the row as it was
        and the error beside the field."""
        form = await request.form()
        typed = {name: str(form.get(name, ""))[:2100] for name in ("priority", "status", "notes")}
        user_id = request.user.id
        try:
            entry = await wants.update_want(
                resources.sessions,
                user_id,
                _want_id(want_id),
                status=typed["status"] or None,
                priority=typed["priority"] or None,
                notes=typed["notes"],
            )
        except InputError as error:
            if not request.htmx:
                context = await _wants_context(
                    resources,
                    user_id,
                    WantsQuery(),
                    row_errors={want_id: error.by_field()},
                    row_typed={want_id: typed},
                )
                return Template("library/wants.html", context=context, status_code=400)
            entry = await wants.get_want(resources.sessions, user_id, want_id)
            return _row(entry, error.by_field(), typed, status=400)
        if not request.htmx:
            return Redirect("/want-list", status_code=303)
        return _row(entry, {}, saved=True)

    @post("/bulk", status_code=200)
    async def bulk(
        self, request: HTMXRequest, resources: NamedDependency[Resources]
    ) -> Template | Redirect:
        """Set the status or priority of the ticked items, or remove them."""
        form = await request.form()
        # An id that is no number, or past any row's, cannot be on the list: it is not counted.
        ticked = [str(raw) for raw in form.getall("ids", [])]
        ids = [int(raw) for raw in ticked if raw.isdigit() and 1 <= int(raw) <= ID_MAX]
        action = str(form.get("action", ""))
        user_id = request.user.id
        message, error = "", ""
        try:
            message = await _bulk(resources, user_id, ids, action, form)
        except InputError as refused:
            error = str(refused)
        if not request.htmx and not error:
            return Redirect("/want-list", status_code=303)
        context = await _wants_context(
            resources, user_id, WantsQuery(), bulk_error=error, bulk_message=message
        )
        status = 400 if error else 200
        if not request.htmx:
            return Template("library/wants.html", context=context, status_code=status)
        return HTMXTemplate(
            template_name="library/want_results.html", context=context, status_code=status
        )


async def _wants_context(
    resources: Resources, user_id: int, query: WantsQuery, **extra: Any
) -> dict[str, Any]:
    """What the Want-list page shows; with a refused filter, no rows (never the whole list)."""
    where = query.filter()
    result: Page[Any] = Page((), 0, 1, query.per_page)
    if where is not None:
        result = await wants.list_wants(
            resources.sessions, user_id, where, query.page, query.per_page
        )
    context = {
        "query": query,
        "result": result,
        "discogs": await _discogs_context(resources, user_id),
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "bulk_error": "",
        "bulk_message": "",
        "row_errors": {},
        "row_typed": {},
    }
    return context | extra


@dataclass(frozen=True, slots=True)
class DiscogsImportView:
    """The Want-list page's Discogs import part (templates/library/discogs_import.html)."""

    latest: discogs_wants.WantsImport | None
    refused: bool
    username: str = ""
    error: str = ""


async def _discogs_context(resources: Resources, user_id: int) -> DiscogsImportView | None:
    """The page's import part, or None without DISCOGS_TOKEN (the page leaves it out)."""
    if not resources.settings.music_databases.discogs_token:
        return None
    return await _discogs_part(resources, user_id)


async def _discogs_part(
    resources: Resources,
    user_id: int,
    *,
    latest: discogs_wants.WantsImport | None = None,
    username: str = "",
    error: str = "",
) -> DiscogsImportView:
    """The import part as it stands: `latest` (else the user's latest import), whether Discogs
    refused the token, the name typed (else the latest import's) and a refusal."""
    latest = latest or await discogs_wants.latest_import(
        resources.settings, resources.redis, user_id
    )
    refused = bool(resources.settings.music_databases.discogs_token) and (
        await resources.client(DiscogsClient).token_refused()
    )
    shown = username or (latest.username if latest else "")
    return DiscogsImportView(latest, refused, shown, error)


async def _import_part(
    resources: Resources, user_id: int, job: discogs_wants.WantsImport
) -> Template:
    """The import part showing this import (its progress, or how it ended)."""
    discogs = await _discogs_part(resources, user_id, latest=job)
    return Template("library/discogs_import.html", context={"discogs": discogs})


def _want_id(raw: int) -> int:
    if not 1 <= raw <= ID_MAX:
        raise WantNotFound(raw)
    return raw


async def _bulk(resources: Resources, user_id: int, ids: list[int], action: str, form: Any) -> str:
    """Apply one bulk action; what happened, in words (InputError when refused)."""
    if not ids:
        raise InputError("ids", "tick at least one item")
    if action == "remove":
        removed = await wants.remove_wants(resources.sessions, user_id, ids)
        return f"Removed {removed} item{'' if removed == 1 else 's'}."
    if action == "status":
        changed = await wants.bulk_update(
            resources.sessions, user_id, ids, status=str(form.get("status", ""))
        )
    elif action == "priority":
        changed = await wants.bulk_update(
            resources.sessions, user_id, ids, priority=str(form.get("priority", ""))
        )
    else:
        raise InputError("action", "choose set status, set priority or remove")
    return f"Changed {changed} item{'' if changed == 1 else 's'}."


ROUTES = [LibraryPagesController, WantListPagesController]
