"""The Plays page: every play filtered by station, dates and reason, in pages or as CSV."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream, Template

from domain import validation
from domain.loops.files import shown_path
from domain.paging import Page
from domain.plays import stats as play_stats
from domain.plays.stats import REASONS, PlayFilter, PlayRow
from domain.resources import Resources
from web.accounts.roles import Access, declare
from web.attachment import attachment
from web.dashboard.pages import hourly_charts
from web.times import request_zone

PER_PAGE_CHOICES = (25, 50, 100, 200)
PER_PAGE_DEFAULT = 50


@dataclass(frozen=True, slots=True)
class PlaysQuery:
    """The filter, page and page size as carried in the URL (`from` and `to` are UTC days).

    `errors` names each value that breaks its rule (domain.validation): the request is refused
    (400, no rows) rather than listed without that filter.
    """

    station: str = ""
    date_from: str = ""
    date_to: str = ""
    reason: str = ""
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    errors: dict[str, str] = field(default_factory=dict, compare=False)
    first_day: date | None = None
    last_day: date | None = None

    @classmethod
    def parse(
        cls, station: str, date_from: str, date_to: str, reason: str, page: str, per_page: str
    ) -> PlaysQuery:
        errors: dict[str, str] = {}
        first_day, last_day = validation.date_range(date_from, date_to, errors)
        number, size, paging_errors = validation.paging(
            page, per_page, PER_PAGE_CHOICES, PER_PAGE_DEFAULT
        )
        errors |= paging_errors
        return cls(
            station=station.strip()[:100],
            date_from=date_from.strip()[:40],
            date_to=date_to.strip()[:40],
            reason=reason if reason in REASONS else "",
            page=number,
            per_page=size,
            errors=errors,
            first_day=first_day,
            last_day=last_day,
        )

    def filter(self) -> PlayFilter:
        """The domain filter (ask only when `errors` is empty)."""
        return PlayFilter(self.station or None, self.first_day, self.last_day, self.reason or None)

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
            if values.per_page == PER_PAGE_DEFAULT:
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
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        date_from: QueryText = "",
        date_to: QueryTo = "",
        station: FromQuery[str] = "",
        reason: FromQuery[str] = "",
        page: FromQuery[str] = "",
        per_page: FromQuery[str] = "",
    ) -> Template:
        query = PlaysQuery.parse(station, date_from, date_to, reason, page, per_page)
        if query.errors:  # refused: no rows rather than rows the filter did not choose
            result: Page[PlayRow] = Page([], 0, 1, query.per_page)
        else:
            result = await play_stats.page_plays(
                resources.sessions, query.filter(), query.page, query.per_page
            )
        hours = await play_stats.plays_per_hour(resources.sessions, station=query.station or None)
        stations = await play_stats.play_station_choices(resources.sessions)
        context = {
            "query": query,
            "result": result,
            "stations": stations,
            # The rows show a station's name and a loop's path as people typed them.
            "station_names": dict(stations),
            "loop_path": partial(shown_path, resources.settings.loops_path),
            "reasons": REASONS,
            "per_page_choices": PER_PAGE_CHOICES,
            "charts": hourly_charts(hours, request_zone(request)),
        }
        status = 400 if query.errors else 200
        return Template(template_name="plays/index.html", context=context, status_code=status)

    @get("/plays.csv", name="plays_csv")
    async def export(
        self,
        resources: NamedDependency[Resources],
        date_from: QueryText = "",
        date_to: QueryTo = "",
        station: FromQuery[str] = "",
        reason: FromQuery[str] = "",
    ) -> Stream | Response[str]:
        query = PlaysQuery.parse(station, date_from, date_to, reason, "", "")
        if query.errors:
            lines = [f"{name}: {message}" for name, message in query.errors.items()]
            return Response("\n".join(lines) + "\n", status_code=400, media_type="text/plain")
        safe = re.fullmatch(r"[\w-]+", query.station, re.ASCII)
        name = "plays" + (f"-{query.station}" if safe else "") + ".csv"
        return Stream(
            play_stats.csv_lines(resources.sessions, query.filter()),
            media_type="text/csv",  # Litestar adds "; charset=utf-8" to every text type
            headers=attachment(name),
        )
