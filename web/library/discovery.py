"""Discovery statistics: the page (/discovery) and the API (/api/v1/discovery/…); issue 11.

Both read the worker's snapshot of a period (domain/library/statistics.py); a stale one is shown
with "updating" while the worker computes a new one, and the page's figures ask again every few
seconds until it is in. The want-list conversion is the signed-in person's own.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Template

from domain.library import statistics
from domain.library.statistics import Bucket, Conversion, Period, Snapshot
from domain.resources import Resources
from web.accounts.roles import Access, declare
from web.charts import BarChart, bars
from web.loops.api import API_PREFIX, RowId

FIGURES_TARGET = "discovery-figures"
PERIOD_NAMES = {
    Period.DAILY: "Daily",
    Period.WEEKLY: "Weekly",
    Period.MONTHLY: "Monthly",
    Period.ALL_TIME: "All time",
}
# How each period's buckets are labelled, and what one is called in words.
_BUCKETS: dict[Period, tuple[str, str]] = {
    Period.DAILY: ("%b %d", "day"),
    Period.WEEKLY: ("%b %d", "week"),
    Period.MONTHLY: ("%b %Y", "month"),
    Period.ALL_TIME: ("%b %Y", "month"),
}


def discovery_chart(period: Period, series: list[Bucket]) -> BarChart:
    """Tracks discovered per bucket of the period."""
    label_format, bucket = _BUCKETS[period]
    labels = [f"{item.start:{label_format}}" for item in series]
    values = [item.tracks for item in series]
    drawn = bars(labels, values)
    total, peak = sum(values), max(values, default=0)
    if peak:
        busiest = drawn[values.index(peak)].label
        active = sum(1 for value in values if value)
        description = (
            f"Tracks discovered per {bucket}: {active} of {len(values)} {bucket}s with"
            f" discoveries; most in one {bucket}: {peak} ({busiest})."
        )
    else:
        description = "No track discovered in this period."
    return BarChart(
        id="chart-discoveries",
        title=f"Tracks discovered per {bucket}",
        description=description,
        bars=drawn,
        total=total,
        total_text="in all (a track counts once per bucket)",
        peak=peak,
        axis=bucket.capitalize(),
        label_every=max(1, math.ceil(len(drawn) / 4)),  # four labels fit a phone
    )


def _period(raw: str) -> tuple[Period, str | None]:
    """The period asked for, or the default with the refusal's words."""
    try:
        return Period(raw.strip() or Period.MONTHLY.value), None
    except ValueError:
        names = ", ".join(period.value for period in Period)
        return Period.MONTHLY, f"period is {raw[:40]!r}: use one of {names}"


class DiscoveryPageController(Controller):
    path = "/library/discoveries"
    opt = declare(Access.DJ)

    @get("/", name="discovery")
    async def page(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        period: FromQuery[str] = "",
    ) -> Template:
        """The statistics of a period; an unknown period is a 400 naming it, with the monthly
        figures below."""
        chosen, error = _period(period)
        kept, conversion = await statistics.read(resources, chosen, request.user.id)
        context = _context(chosen, kept, conversion) | {"error": error}
        status = 400 if error else 200
        if request.htmx.target == FIGURES_TARGET and not request.htmx.history_restore_request:
            return HTMXTemplate(
                template_name="library/discovery_figures.html",
                context=context,
                # The section asking again by itself is not a move to another period.
                push_url=False if request.htmx.trigger == FIGURES_TARGET else _url(chosen),
                status_code=status,
            )
        return Template("library/discovery.html", context=context, status_code=status)


def _url(period: Period) -> str:
    return f"/library/discoveries?period={period.value}"


def _context(period: Period, kept: Snapshot, conversion: Conversion) -> dict[str, Any]:
    figures = kept.statistics
    return {
        "period": period,
        "periods": PERIOD_NAMES,
        "figures": figures,
        "stale": kept.stale,
        "conversion": conversion,
        "chart": discovery_chart(period, figures.series),
        "today": date.today(),
    }


# --- the API ------------------------------------------------------------------------------------


class DiscoveryApiController(Controller):
    path = f"{API_PREFIX}/discovery"
    tags = ["discovery"]
    opt = declare(Access.DJ)

    @get("/statistics")
    async def get_statistics(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        period: Annotated[
            Period, QueryParameter(description="daily, weekly, monthly or all-time")
        ] = Period.MONTHLY,
    ) -> dict[str, Any]:
        """A period's figures as last computed (`stale`: newer ones are on their way), with the
        caller's want-list conversion."""
        kept, conversion = await statistics.read(resources, period, request.user.id)
        return kept.statistics.to_json() | {
            "stale": kept.stale,
            "conversion": conversion.to_json(),
        }

    @get("/trends")
    async def get_trends(
        self, request: Request[Any, Any, Any], resources: NamedDependency[Resources]
    ) -> dict[str, Any]:
        """What rose in the last 30 days against the 30 before: artists, labels, genres, and
        the discovery rate (tracks a day)."""
        kept, _ = await statistics.read(resources, Period.DAILY, request.user.id)
        figures = kept.statistics.to_json()
        names = ("rising_artists", "rising_labels", "rising_genres", "rate_recent", "rate_before")
        return {name: figures[name] for name in names} | {
            "computed_at": figures["computed_at"],
            "stale": kept.stale,
        }

    @get("/sources/{tracklist_id:int}")
    async def get_source(
        self, resources: NamedDependency[Resources], tracklist_id: RowId
    ) -> dict[str, Any]:
        """What one tracklist brought: its rows by identification state, the tracks heard in
        it, and those first heard in it."""
        return (await statistics.source(resources.sessions, tracklist_id)).to_json()


PAGE_ROUTES = [DiscoveryPageController]
API_ROUTES = [DiscoveryApiController]
