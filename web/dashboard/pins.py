"""Switch now: pin a loop on a station from its dashboard card, or over the API.

The pin is stored and announced by `domain.stations.pins`; the daemon leading the station hands
it off and records it. The card's pin part shows the pin as stored (the daemon's hand-off follows
within moments) and is re-rendered by the live updates on every switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody, Parameter, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Response, Template

from domain.models import User
from domain.resources import Resources
from domain.stations import pins
from domain.stations.store import StationNotFound, get_station, get_station_by_id
from domain.validation import InputError
from web.accounts.roles import Access, declare
from web.loops.api import API_PREFIX, FieldError, RowId


@dataclass
class PinForm:
    loop_path: str = ""
    until: str = pins.PinMode.NEXT_TRACK.value


class PinRequest(msgspec.Struct):
    loop_path: str = ""
    until: str = pins.PinMode.NEXT_TRACK.value


def _who(request: Request[Any, Any, Any]) -> str:
    user = request.scope.get("user")
    return user.username if isinstance(user, User) else "unknown"


async def _known_slug(resources: Resources, slug: str) -> str:
    station = await get_station(resources.sessions, slug)
    if station is None:
        raise NotFoundException(f"no station {slug!r}")
    return station.slug


def _shown(pin: pins.Pin | None) -> str:
    """What the pin part sends back as `shown`: as dashboard/pin.html writes it."""
    return "none" if pin is None else str(pin.set_at)


def pin_part(
    slug: str,
    pin: pins.Pin | None,
    *,
    form: PinForm | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    """The card's pin part: the pin and its Unpin button, or the Switch now form."""
    return HTMXTemplate(
        template_name="dashboard/pin.html",
        context={
            "slug": slug,
            "pin": pin,
            "pin_form": form or PinForm(),
            "pin_errors": errors or {},
        },
        status_code=status,
    )


class PinsController(Controller):
    path = "/pins"
    opt = declare(Access.OPERATOR)

    @get("/{slug:str}", name="station_pin", opt=declare(Access.DASHBOARD))
    async def show(
        self,
        resources: NamedDependency[Resources],
        slug: FromPath[str],
        shown: Annotated[str | None, Parameter(max_length=32)] = None,
    ) -> Template | Response[None]:
        """The card's pin part as it stands. The card asks again after each switch, saying which
        pin it `shown` ("none" for the form): 204 when that is still so, so nothing is redrawn."""
        slug = await _known_slug(resources, slug)
        pin = await pins.get_pin(resources.redis, resources.settings, slug)
        if shown is not None and shown == _shown(pin):
            return Response(None, status_code=204)
        return pin_part(slug, pin)

    @post("/{slug:str}", status_code=200, name="pin_station")
    async def pin(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        slug: FromPath[str],
        data: URLEncodedBody[PinForm],
    ) -> Template | Redirect:
        """Pin a loop now, for the next track or until unpinned."""
        slug = await _known_slug(resources, slug)
        try:
            pin = await pins.set_pin(
                resources.redis, resources.settings, slug, data.loop_path, data.until,
                _who(request),
            )  # fmt: skip
        except InputError as error:
            return pin_part(slug, None, form=data, errors=error.by_field(), status=422)
        if not request.htmx:  # a browser without JavaScript goes back to the dashboard
            return Redirect("/", status_code=303)
        return pin_part(slug, pin)

    @post("/{slug:str}/unpin", status_code=200, name="unpin_station")
    async def unpin(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        slug: FromPath[str],
    ) -> Template | Redirect:
        """Remove the pin: mapping resumes at once."""
        slug = await _known_slug(resources, slug)
        await pins.remove_pin(resources.redis, resources.settings, slug)
        if not request.htmx:
            return Redirect("/", status_code=303)
        return pin_part(slug, None)


async def _station_slug(resources: Resources, station_id: int) -> str:
    try:
        return (await get_station_by_id(resources.sessions, station_id)).slug
    except StationNotFound:
        raise FieldError("station_id", f"no station with id {station_id}", 404) from None


class PinsApi(Controller):
    path = f"{API_PREFIX}/stations"
    opt = declare(Access.OPERATOR)
    tags = ["pins"]

    @post("/{station_id:int}/pin", status_code=201)
    async def pin(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        station_id: RowId,
        data: JSONBody[PinRequest],
    ) -> dict[str, Any]:
        """Pin a loop on the station now: `until` is `next_track` or `unpinned`."""
        slug = await _station_slug(resources, station_id)
        try:
            pin = await pins.set_pin(
                resources.redis, resources.settings, slug, data.loop_path, data.until,
                _who(request),
            )  # fmt: skip
        except InputError as error:
            raise FieldError(error.field, str(error)) from None
        return pin.as_api()

    @delete("/{station_id:int}/pin", status_code=204)
    async def unpin(self, resources: NamedDependency[Resources], station_id: RowId) -> None:
        """Remove the station's pin (a station without one answers 204 all the same)."""
        slug = await _station_slug(resources, station_id)
        await pins.remove_pin(resources.redis, resources.settings, slug)


ROUTES = [PinsController]
API_ROUTES = [PinsApi]
