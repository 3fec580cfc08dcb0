"""The Stations page: the stations the daemon watches, listed, added, edited, enabled/disabled,
deleted, and a source tested before it is saved."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import ClientRedirect, HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain.loops.files import find_loop_files
from domain.models import Station, Transport
from domain.resources import Resources
from domain.stations import store as stations
from domain.stations.connection import ConnectionReport, check_connection
from domain.stations.station_input import StationInput
from domain.stations.store import StationListing
from domain.stations.validation import FIELD_MAX, NAME_MAX
from domain.validation import InputError
from web.accounts.roles import Access, declare

PICKER_LIMIT = 50


def webhook_url(request: Request[Any, Any, State], station: Station) -> str | None:
    """What to paste into AzuraCast's Generic Web Hook, for a webhook station."""
    if station.transport != Transport.WEBHOOK or not station.webhook_secret:
        return None
    base = str(request.base_url).rstrip("/")
    return f"{base}/hooks/azuracast/{station.slug}?secret={station.webhook_secret}"


async def _listing(resources: Resources, station_id: int) -> StationListing:
    found = await stations.list_stations(resources.sessions, station_id=station_id)
    if not found:
        raise NotFoundException(f"no station with id {station_id}")
    return found[0]


def _form(
    request: HTMXRequest,
    form: StationInput,
    errors: dict[str, str],
    station: Station | None,
    *,
    page: str,
    status: int = 200,
    **context: Any,
) -> Template:
    """The form alone for htmx (it swaps itself), else the whole page around it."""
    context |= {
        "form": form,
        "errors": errors,
        "station": station,
        "webhook_url": webhook_url(request, station) if station else None,
        "limits": FIELD_MAX,
    }
    if request.htmx:
        return HTMXTemplate(template_name="stations/form.html", context=context, status_code=status)
    return Template(template_name=page, context=context, status_code=status)


class StationsController(Controller):
    path = "/stations"
    # Stations carry secrets and the hand-off settings (command hooks, Liquidsoap): admins only,
    # but for the read view.
    opt = declare(Access.ADMIN)

    @get("/", name="stations", opt=declare(Access.OPERATOR))
    async def index(
        self,
        resources: NamedDependency[Resources],
        saved: FromQuery[str] = "",
        deleted: FromQuery[str] = "",
    ) -> Template:
        listed = await stations.list_stations(resources.sessions)
        context = {
            "listed": listed,
            "form": StationInput(),
            "errors": {},
            "station": None,
            "limits": FIELD_MAX,
            # After a save: the station just written, named in a confirmation above the list.
            "saved": next((item.station for item in listed if item.station.slug == saved), None),
            # After a delete: the name of the station just deleted (escaped like any text).
            "deleted": deleted[: NAME_MAX + 1],
        }
        return Template(template_name="stations/index.html", context=context)

    @post("/", status_code=200)
    async def add(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[StationInput],
    ) -> Template | Redirect | ClientRedirect:
        try:
            station = await stations.create_station(
                resources.sessions, resources.settings, data, redis=resources.redis
            )
        except InputError as error:
            listed = await stations.list_stations(resources.sessions)
            return _form(
                request, data, error.by_field(), None, page="stations/index.html", status=422,
                listed=listed,
            )  # fmt: skip
        return _saved(request, station)

    @get("/{station_id:int}/edit")
    async def edit(
        self, request: HTMXRequest, resources: NamedDependency[Resources], station_id: FromPath[int]
    ) -> Template:
        station = await stations.get_station_by_id(resources.sessions, station_id)
        return Template(
            template_name="stations/edit.html",
            context={
                "form": StationInput.of(station),
                "errors": {},
                "station": station,
                "webhook_url": webhook_url(request, station),
                "limits": FIELD_MAX,
            },
        )

    @post("/{station_id:int}", status_code=200)
    async def save(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        station_id: FromPath[int],
        data: URLEncodedBody[StationInput],
    ) -> Template | Redirect | ClientRedirect:
        try:
            station = await stations.update_station(
                resources.sessions, resources.settings, station_id, data, redis=resources.redis
            )
        except InputError as error:
            current = await stations.get_station_by_id(resources.sessions, station_id)
            return _form(
                request, data, error.by_field(), current, page="stations/edit.html", status=422
            )
        return _saved(request, station)

    @post("/{station_id:int}/enable", status_code=200)
    async def enable(
        self, request: HTMXRequest, resources: NamedDependency[Resources], station_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._set_enabled(request, resources, station_id, True)

    @post("/{station_id:int}/disable", status_code=200)
    async def disable(
        self, request: HTMXRequest, resources: NamedDependency[Resources], station_id: FromPath[int]
    ) -> Template | Redirect:
        return await self._set_enabled(request, resources, station_id, False)

    @post("/check", status_code=200)
    async def check_new(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[StationInput],
    ) -> Template:
        """Test connection on the add form: one read of the source as typed, nothing saved."""
        report = await check_connection(resources.http, resources.settings, data)
        if request.htmx:
            return _check_result(report)
        listed = await stations.list_stations(resources.sessions)
        return _checked(request, report, data, None, page="stations/index.html", listed=listed)

    @post("/{station_id:int}/check", status_code=200)
    async def check_edited(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        station_id: FromPath[int],
        data: URLEncodedBody[StationInput],
    ) -> Template:
        """Test connection on the edit form: a blank API key is the stored one, as on saving."""
        current = await stations.get_station_by_id(resources.sessions, station_id)
        report = await check_connection(resources.http, resources.settings, data, current)
        return _checked(request, report, data, current, page="stations/edit.html")

    @post("/{station_id:int}/delete", status_code=200)
    async def delete(
        self, request: HTMXRequest, resources: NamedDependency[Resources], station_id: FromPath[int]
    ) -> Redirect | ClientRedirect:
        name = await stations.delete_station(
            resources.sessions, resources.settings, station_id, redis=resources.redis
        )
        target = f"/stations?deleted={quote(name)}"
        return ClientRedirect(target) if request.htmx else Redirect(target, status_code=303)

    @get("/loop-files")
    async def loop_files(
        self,
        resources: NamedDependency[Resources],
        live_loop: FromQuery[str] = "",
        offline_loop: FromQuery[str] = "",
    ) -> Template:
        """The loop picker's choices for whichever loop field is being typed in."""
        typed = live_loop or offline_loop
        root = resources.settings.loops_path
        found = await asyncio.to_thread(find_loop_files, root, typed, PICKER_LIMIT)
        return HTMXTemplate(template_name="loops/file_options.html", context={"files": found})

    async def _set_enabled(
        self, request: HTMXRequest, resources: Resources, station_id: int, enabled: bool
    ) -> Template | Redirect:
        await stations.set_enabled(
            resources.sessions, resources.settings, station_id, enabled, redis=resources.redis
        )
        if not request.htmx:
            return Redirect("/stations", status_code=303)
        return HTMXTemplate(
            template_name="stations/row.html",
            context={"item": await _listing(resources, station_id)},
        )


def _saved(request: HTMXRequest, station: Station) -> Redirect | ClientRedirect:
    target = f"/stations?saved={station.slug}#station-{station.slug}"
    if request.htmx:
        return ClientRedirect(target)
    return Redirect(target, status_code=303)


def _checked(
    request: HTMXRequest,
    report: ConnectionReport,
    form: StationInput,
    station: Station | None,
    *,
    page: str,
    **context: Any,
) -> Template:
    """The result alone for htmx (it fills the form's result line), else the page around it."""
    if request.htmx:
        return _check_result(report)
    return _form(request, form, {}, station, page=page, connection=report, **context)


def _check_result(report: ConnectionReport) -> Template:
    """The result line alone, which the form's htmx swaps in."""
    return HTMXTemplate(template_name="stations/connection.html", context={"report": report})
