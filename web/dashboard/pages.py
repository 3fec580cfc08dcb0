"""The home page: a live card per station, hourly charts, statistics and the default loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template

from domain.loops.files import shown_path
from domain.loops.mapper import MappingError, TrackMapper
from domain.plays import stats as play_stats
from domain.plays.stats import HourCount
from domain.plays.summary import stats_summary
from domain.resources import Resources
from domain.stations import pins
from web.accounts.roles import Access, declare
from web.charts import BarChart, bars
from web.times import request_zone


@dataclass
class DefaultLoopForm:
    loop_path: str = ""


def bar_chart(
    chart_id: str,
    title: str,
    noun: str,
    hours: Sequence[HourCount],
    pick: Callable[[HourCount], int],
    zone: tzinfo = UTC,
) -> BarChart:
    """One bar per hour, scaled to the busiest hour, labelled in `zone`; the description says
    total and peak."""
    values = [pick(hour) for hour in hours]
    drawn = bars([f"{hour.hour.astimezone(zone):%H:%M}" for hour in hours], values)
    peak, total = max(values, default=0), sum(values)
    if peak:
        busiest = drawn[values.index(peak)].label
        description = (
            f"{total} {noun} in the last {len(values)} hours ({zone});"
            f" most in one hour: {peak} at {busiest}."
        )
    else:
        description = f"No {noun} in the last {len(values)} hours."
    return BarChart(chart_id, title, description, drawn, total, "in 24 h", peak, f"Hour ({zone})")


def hourly_charts(hours: Sequence[HourCount], zone: tzinfo = UTC) -> list[BarChart]:
    """Plays per hour and default-loop fallbacks per hour, hours labelled in `zone`."""
    return [
        bar_chart("chart-plays", "Plays per hour", "plays", hours, lambda h: h.plays, zone),
        bar_chart(
            "chart-fallbacks",
            "Default-loop fallbacks per hour",
            "fallbacks",
            hours,
            lambda h: h.fallbacks,
            zone,
        ),
    ]


async def _stats(mapper: TrackMapper, resources: Resources) -> dict[str, Any]:
    summary = await stats_summary(mapper, resources.reads)
    return {"stats": summary.mappings, "plays": summary.plays, "cache": summary.cache}


class DashboardController(Controller):
    path = "/"
    opt = declare(Access.DASHBOARD)

    @get("/", name="dashboard")
    async def index(
        self,
        request: Request[Any, Any, Any],
        mapper: NamedDependency[TrackMapper],
        resources: NamedDependency[Resources],
    ) -> Template:
        default_loop = shown_path(mapper.loops_root(), await mapper.get_default_loop())
        stations = await play_stats.station_overviews(resources.sessions)
        context = await _stats(mapper, resources)
        context |= {
            "form": DefaultLoopForm(default_loop),
            "errors": {},
            "stations": stations,
            "pins": await pins.pins_of(
                resources.redis, resources.settings, [station.slug for station in stations]
            ),
            "charts": hourly_charts(
                await play_stats.plays_per_hour(resources.sessions), request_zone(request)
            ),
            "now": time.time(),
        }
        return Template(template_name="dashboard.html", context=context)

    @get("/stats", name="stats")
    async def stats(
        self, mapper: NamedDependency[TrackMapper], resources: NamedDependency[Resources]
    ) -> Template:
        context = await _stats(mapper, resources)
        return HTMXTemplate(template_name="stats/panel.html", context=context)

    @post("/default-loop", status_code=200, opt=declare(Access.ADMIN))
    async def set_default_loop(
        self, mapper: NamedDependency[TrackMapper], data: URLEncodedBody[DefaultLoopForm]
    ) -> Template:
        try:
            path = await mapper.set_default_loop(data.loop_path)
        except MappingError as error:
            return HTMXTemplate(
                template_name="stats/default_loop.html",
                context={"form": data, "errors": {error.field: str(error)}},
                status_code=422,
            )
        form = DefaultLoopForm(shown_path(mapper.loops_root(), path))
        return HTMXTemplate(
            template_name="stats/default_loop.html",
            context={"form": form, "errors": {}, "saved": True},
        )
