"""The Sources page (each outside API: configured or not, breaker, calls, cache hit rate; the
coverage of the library and the collection; "Enrich pending" and "Enrich all") and the "Enrich
now" button of a library track's and a collection file's page — issue 12 §4 and §5.

The facts are domain/enrichment's (`sources_status`, `coverage`, `enrichment_report`); a job
queued here is the one the API and CLI queue (`queue_enrichment`), its progress polled by htmx.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain.enrichment import coverage, job, sources
from domain.enrichment.items import ItemKind, ItemRef
from domain.enrichment.report import enrichment_report
from domain.resources import Resources
from domain.validation import ID_MAX, InputError
from web.accounts.roles import Access, declare

APIS_TARGET = "sources-apis"
# What the page's buttons may queue (an item list is the item pages' and the API's).
CHOICES = ("pending", "all")
JOB_ID_MAX = 64


async def _progress(resources: Resources, job_id: str) -> job.EnrichmentJob:
    try:
        return await job.get_job(resources.settings, resources.redis, job_id[:JOB_ID_MAX])
    except job.EnrichmentJobNotFound:
        message = "No such enrichment job: it may have expired (after a week)."
        raise NotFoundException(message) from None


async def _page_context(resources: Resources) -> dict[str, Any]:
    async with resources.sessions() as session:
        found = await coverage.coverage(session)
    return {
        "sources": await sources.sources_status(resources),
        "coverage": [found[kind] for kind in ItemKind],
        "facts": coverage.FACTS,
    }


class SourcesPageController(Controller):
    path = "/sources"
    opt = declare(Access.DJ)

    @get("/", name="sources")
    async def index(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        job_id: FromQuery[str] = "",
    ) -> Template:
        """Each API's status (htmx refreshes it every 10 s), the coverage, and the buttons; a
        job started without htmx (`?job_id=`) shows its progress."""
        context = await _page_context(resources)
        if request.htmx.target == APIS_TARGET:
            return HTMXTemplate(template_name="enrichment/apis.html", context=context)
        started = await _progress(resources, job_id) if job_id else None
        return Template("enrichment/sources.html", context=context | {"job": started})

    @post("/enrich", status_code=200)
    async def enrich(
        self, request: HTMXRequest, resources: NamedDependency[Resources]
    ) -> Template | Redirect:
        """Queue every pending item, or every item (`which`); the panel follows the job."""
        form = await request.form()
        which = str(form.get("which", ""))
        if which not in CHOICES:
            refused = {"job": None, "error": "Choose what to enrich: pending or all."}
            if request.htmx:
                return HTMXTemplate(
                    template_name="enrichment/enrich_panel.html", context=refused, status_code=400
                )
            context = await _page_context(resources) | refused
            return Template("enrichment/sources.html", context=context, status_code=400)
        started = await job.queue_enrichment(resources, "pending" if which == "pending" else "all")
        if not request.htmx:
            return Redirect(f"/sources?job_id={started.job_id}", status_code=303)
        return HTMXTemplate(template_name="enrichment/enrich_panel.html", context={"job": started})

    @get("/enrich/{job_id:str}")
    async def progress(
        self, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> Template:
        """A job's progress (htmx asks again every second until it is finished)."""
        return Template("enrichment/job.html", context={"job": await _progress(resources, job_id)})


async def _enrich_item(
    request: HTMXRequest, resources: Resources, ref: ItemRef
) -> Template | Redirect:
    """Queue one item from its page: the button's place shows the job; an item that does not
    exist is a 404."""
    try:
        started = await job.queue_enrichment(resources, [ref])
    except InputError as error:
        raise NotFoundException(str(error)) from None
    page = item_page(ref)
    if not request.htmx:
        return Redirect(page, status_code=303)
    context = {"job": started, "enrich_url": f"{page}/enrich"}
    return HTMXTemplate(template_name="enrichment/enrich_button.html", context=context)


def item_page(ref: ItemRef) -> str:
    return f"/{ref.kind.value}/{ref.id}"


def _ref(kind: ItemKind, raw: int) -> ItemRef:
    if not 1 <= raw <= ID_MAX:
        raise NotFoundException(f"there is no {kind.value}:{raw}")
    return ItemRef(kind, raw)


class EnrichItemController(Controller):
    """ "Enrich now" on a collection file's and a library track's page."""

    path = "/"
    opt = declare(Access.DJ)

    @post("/collection/{file_id:int}/enrich", status_code=200)
    async def enrich_file(
        self, request: HTMXRequest, resources: NamedDependency[Resources], file_id: FromPath[int]
    ) -> Template | Redirect:
        """Queue this collection file's enrichment."""
        return await _enrich_item(request, resources, _ref(ItemKind.COLLECTION, file_id))

    @post("/library/{track_id:int}/enrich", status_code=200)
    async def enrich_track(
        self, request: HTMXRequest, resources: NamedDependency[Resources], track_id: FromPath[int]
    ) -> Template | Redirect:
        """Queue this library track's enrichment."""
        return await _enrich_item(request, resources, _ref(ItemKind.LIBRARY, track_id))


async def item_context(resources: Resources, ref: ItemRef) -> dict[str, Any]:
    """What an item's page needs for its Enrichment box."""
    return {
        "enrichment": await enrichment_report(resources.sessions, ref),
        "enrich_url": f"{item_page(ref)}/enrich",
    }


ROUTES = [SourcesPageController, EnrichItemController]
