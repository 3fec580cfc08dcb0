"""The Plays page: every play filtered by station, dates and reason, in pages or as CSV."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream, Template

from domain.loops.files import shown_path
from domain.plays import stats as play_stats
from domain.plays.stats import REASONS, PlayFilter
from domain.resources import Resources
from domain.validation import date_range
from web.accounts.roles import Access, declare
from web.dashboard.pages import hourly_charts

PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass(frozen=True, slots=True)
class PlaysQuery:
    """The filter, page and page size as carried in the URL (`from` and `to` are UTC days)."""

    station: str = ""
    date_from: str = ""
    date_to: str = ""
    reason: str = ""
    page: int = 1
    per_page: int = 50
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def parse(
        cls, station: str, date_from: str, date_to: str, reason: str, page: int, per_page: int
    ) -> PlaysQuery:
        return cls(
            station=station.strip()[:100],
            date_from=date_from.strip()[:40],
            date_to=date_to.strip()[:40],
            reason=reason if reason in REASONS else "",
            page=max(page, 1),
            per_page=per_page if per_page in PER_PAGE_CHOICES else 50,
        )

    def filter(self) -> PlayFilter:
        """The domain filter; a date that does not parse is left out and named in `errors`."""
        self.errors.clear()
        first, last = date_range(self.date_from, self.date_to, self.errors)
        return PlayFilter(self.station or None, first, last, self.reason or None)

    def _query(self, *, paging: bool, **changes: Any) -> str:
        values = replace(self, **changes)
        pairs: dict[str, object] = {
            "station": values.station,
            "from": values.date_from,
            "to": values.date_to,
            "reason": values.reason,
        }
        if paging:
            pairs |= {"page": values.page if values.page > 1 else "", "per_page": values.per_page}
            if values.per_page == 50:
                pairs["per_page"] = ""
        query = {key: value for key, value in pairs.items() if value not in ("", None)}
        return f"?{urlencode(query)}" if query else ""

    def url(self, **changes: Any) -> str:
        return "/plays" + self._query(paging=True, **changes)

    def csv_url(self) -> str:
        return "/plays.csv" + self._query(paging=False)


QueryText = Annotated[str, QueryParameter(name="from")]
QueryTo = Annotated[str, QueryParameter(name="to")]


class PlaysController(Controller):
    path = "/"
    opt = declare(Access.OPERATOR)

    @get("/plays", name="plays")
    async def index(
        self,
        resources: NamedDependency[Resources],
        date_from: QueryText = "",
        date_to: QueryTo = "",
        station: FromQuery[str] = "",
        reason: FromQuery[str] = "",
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
    ) -> Template:
        query = PlaysQuery.parse(station, date_from, date_to, reason, page, per_page)
        where = query.filter()
        result = await play_stats.page_plays(resources.sessions, where, query.page, query.per_page)
        hours = await play_stats.plays_per_hour(resources.sessions, station=where.station)
        stations = await play_stats.station_choices(resources.sessions)
        context = {
            "query": query,
            "result": result,
            "stations": stations,
            # The rows show a station's name and a loop's path as people typed them.
            "station_names": dict(stations),
            "loop_path": partial(shown_path, resources.settings.loops_path),
            "reasons": REASONS,
            "per_page_choices": PER_PAGE_CHOICES,
            "charts": hourly_charts(hours),
        }
        return Template(template_name="plays/index.html", context=context)

    @get("/plays.csv", name="plays_csv")
    async def export(
        self,
        resources: NamedDependency[Resources],
        date_from: QueryText = "",
        date_to: QueryTo = "",
        station: FromQuery[str] = "",
        reason: FromQuery[str] = "",
    ) -> Stream:
        query = PlaysQuery.parse(station, date_from, date_to, reason, 1, 50)
        safe = re.fullmatch(r"[\w-]+", query.station, re.ASCII)
        name = "plays" + (f"-{query.station}" if safe else "") + ".csv"
        return Stream(
            play_stats.csv_lines(resources.sessions, query.filter()),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
