"""The Fallbacks page: tracks that played with the default loop, each with a "map it" form."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template

from domain.loops.mapper import MappingError, TrackMapper
from web.accounts.roles import Access, declare


@dataclass
class MapItForm:
    """One fallback track and the loop the operator picked for it."""

    artist: str = ""
    title: str = ""
    song_id: str = ""
    loop_path: str = ""
    row: int = 0  # position on the page: keeps element ids unique across the list


class FallbacksController(Controller):
    path = "/fallbacks"
    opt = declare(Access.OPERATOR)

    @get("/", name="fallbacks")
    async def index(self, mapper: NamedDependency[TrackMapper]) -> Template:
        fallbacks = await mapper.fallbacks()
        return Template(template_name="fallbacks/index.html", context={"fallbacks": fallbacks})

    @post("/map", status_code=200)
    async def map_it(
        self, mapper: NamedDependency[TrackMapper], data: URLEncodedBody[MapItForm]
    ) -> Template:
        try:
            mapping = await mapper.create_mapping(
                data.artist, data.title, data.loop_path, song_id=data.song_id or None
            )
        except MappingError as error:
            return HTMXTemplate(
                template_name="fallbacks/map_form.html",
                context={"form": data, "errors": error.by_field()},
                status_code=422,
            )
        # The form asked to swap itself; on success the whole row becomes the confirmation.
        return HTMXTemplate(
            template_name="fallbacks/mapped_row.html",
            context={"mapping": mapping},
            re_target="closest tr",
            re_swap="outerHTML",
        )
