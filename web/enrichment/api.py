"""Enrichment as JSON under /api/v1 (session or token; issue 12 §6): queue one item or many
(202 and a job to poll), a job's progress, coverage per kind and each outside API's status.

Items are written `library:12` or `collection:7` (domain/enrichment/items.py `ItemRef`). A refused
input is a 400 naming the field and queues nothing; the rules are domain/enrichment/pick.py's.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from domain.enrichment import coverage, job, sources
from domain.enrichment.items import ItemRef
from domain.enrichment.pick import ITEMS_MAX, Which
from domain.resources import Resources
from domain.validation import InputError
from web.accounts.roles import Access, declare
from web.loops.api import API_PREFIX, input_error_response

PREFIX = f"{API_PREFIX}/enrich"
Item = Annotated[str, msgspec.Meta(max_length=80, description="library:<id> or collection:<id>")]


# --- response and request shapes -------------------------------------------------------------


class JobOut(msgspec.Struct):
    """An enrichment job's progress: `state` queued → running → done, `done` of `total` items
    and how each ended; poll `status_url` until `finished`."""

    job_id: str
    state: str
    total: int
    done: int
    completed: int
    partial: int
    failed: int
    skipped: int
    finished: bool
    text: str
    status_url: str

    @classmethod
    def of(cls, progress: job.EnrichmentJob) -> JobOut:
        return msgspec.convert(progress.to_json() | {"status_url": _status_url(progress)}, cls)


class CoverageOut(msgspec.Struct):
    """One kind of item: how many, the percent having each fact (isrc, mbid, bpm, key, label,
    audio_features) and how many are in each enrichment status."""

    kind: str
    items: int
    percent: dict[str, float]
    statuses: dict[str, int]


class StatsOut(msgspec.Struct):
    library: CoverageOut
    collection: CoverageOut


class BreakerOut(msgspec.Struct):
    """closed, open (until `open_until`) or half_open, and the failures counted in a row."""

    state: str
    open_until: str | None
    failures: int


class SourceOut(msgspec.Struct):
    """One outside API: configured (and by which `setting`), its breaker, the calls every process
    made, errors, the answer cache's hits and misses, and a `note` such as Spotify's 403."""

    source: str
    name: str
    configured: bool
    setting: str
    breaker: BreakerOut
    calls: int
    errors: int
    cache_hits: int
    cache_misses: int
    cache_hit_rate: float | None
    note: str


class SourcesOut(msgspec.Struct):
    sources: list[SourceOut]


class EnrichOne(msgspec.Struct, forbid_unknown_fields=True):
    """The item to enrich: `library:<id>` or `collection:<id>`."""

    item: Item


class EnrichMany(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of: `items` (at most ITEMS_MAX refs), `pending: true` (every item not
    enriched yet) or `all: true` (every item)."""

    items: Annotated[list[Item], msgspec.Meta(max_length=ITEMS_MAX)] | None = None
    pending: bool = False
    all: bool = False

    def which(self) -> Which:
        """What to enrich; InputError naming the field for none or several choices, and
        `items[i]` for a ref that does not read."""
        chosen = [name for name in ("items", "pending", "all") if getattr(self, name)]
        if self.items is not None and "items" not in chosen:
            chosen.insert(0, "items")  # an empty list is chosen, and refused by the domain
        if len(chosen) != 1:
            field = chosen[1] if chosen else "items"
            raise InputError(field, "send one of items (a list), pending: true or all: true")
        if self.pending:
            return "pending"
        if self.all:
            return "all"
        refs = []
        for number, text in enumerate(self.items or []):
            try:
                refs.append(ItemRef.parse(text))
            except InputError as error:
                raise InputError(f"items[{number}]", str(error)) from None
        return refs


def _status_url(progress: job.EnrichmentJob) -> str:
    return f"{PREFIX}/jobs/{progress.job_id}"


def _accepted(progress: job.EnrichmentJob) -> Response[JobOut]:
    shown = JobOut.of(progress)
    return Response(shown, status_code=202, headers={"location": shown.status_url})


# --- routes ----------------------------------------------------------------------------------


class EnrichmentApiController(Controller):
    path = API_PREFIX
    tags = ["enrichment"]
    opt = declare(Access.DJ)
    exception_handlers = {InputError: input_error_response}

    @post("/enrich", status_code=202)
    async def enrich_one(
        self, resources: NamedDependency[Resources], data: JSONBody[EnrichOne]
    ) -> Response[JobOut]:
        """Queue one item's enrichment: 202 with the job (`Location` and `status_url` to poll).
        400 naming `item` for a ref that does not read or an item that does not exist."""
        try:
            progress = await job.queue_enrichment(resources, [ItemRef.parse(data.item)])
        except InputError as error:
            raise InputError("item", str(error)) from None
        return _accepted(progress)

    @post("/enrich/batch", status_code=202)
    async def enrich_many(
        self, resources: NamedDependency[Resources], data: JSONBody[EnrichMany]
    ) -> Response[JobOut]:
        """Queue many items: `{"items": [...]}`, `{"pending": true}` or `{"all": true}`; 202 with
        the job. A refused input (no choice or two, an empty list, more than ITEMS_MAX, a ref
        that does not read or an unknown item) is a 400 naming the field and queues nothing."""
        progress = await job.queue_enrichment(resources, data.which())
        return _accepted(progress)

    @get("/enrich/jobs/{job_id:str}")
    async def job_progress(
        self, resources: NamedDependency[Resources], job_id: FromPath[str]
    ) -> JobOut:
        """An enrichment job's progress; 404 when there is none (progress is kept a week)."""
        progress = await job.get_job(resources.settings, resources.redis, job_id[:64])
        return JobOut.of(progress)

    @get("/enrich/stats")
    async def coverage_stats(self, resources: NamedDependency[Resources]) -> StatsOut:
        """Coverage per kind: the percent of items with an ISRC, MBID, BPM, key, label and
        audio features (from any source), and the enrichment statuses."""
        async with resources.sessions() as session:
            found = await coverage.coverage(session)
        shown: dict[str, Any] = {kind.value: part.to_json() for kind, part in found.items()}
        return msgspec.convert(shown, StatsOut)

    @get("/sources")
    async def list_sources(self, resources: NamedDependency[Resources]) -> SourcesOut:
        """Each outside API in the waterfall's order: configured or not, breaker, calls, cache."""
        found = await sources.sources_status(resources)
        return msgspec.convert({"sources": [source.to_json() for source in found]}, SourcesOut)


ROUTES = [EnrichmentApiController]
