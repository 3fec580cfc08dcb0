"""The home page: mapping and cache statistics, and the default loop setting."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Template

from domain.mappings import MappingError, TrackMapper


@dataclass
class DefaultLoopForm:
    loop_path: str = ""


def _shown_path(root: Path, absolute: str) -> str:
    """A loop path as people typed it: relative to LOOPS_PATH when it lies under it."""
    path = Path(absolute)
    return (
        path.relative_to(root.resolve()).as_posix()
        if path.is_relative_to(root.resolve())
        else absolute
    )


async def _stats(mapper: TrackMapper) -> dict[str, Any]:
    return {"stats": await mapper.get_stats(), "cache": mapper.get_cache_stats()}


class DashboardController(Controller):
    path = "/"

    @get("/", name="dashboard")
    async def index(self, mapper: TrackMapper) -> Template:
        default_loop = _shown_path(mapper.loops_root(), await mapper.get_default_loop())
        context = await _stats(mapper)
        context |= {"form": DefaultLoopForm(default_loop), "errors": {}}
        return Template(template_name="dashboard.html", context=context)

    @get("/stats", name="stats")
    async def stats(self, mapper: TrackMapper) -> Template:
        return HTMXTemplate(template_name="stats/panel.html", context=await _stats(mapper))

    @post("/default-loop", status_code=200)
    async def set_default_loop(
        self,
        mapper: TrackMapper,
        data: Annotated[DefaultLoopForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        try:
            path = await mapper.set_default_loop(data.loop_path)
        except MappingError as error:
            return HTMXTemplate(
                template_name="stats/default_loop.html",
                context={"form": data, "errors": {error.field: str(error)}},
                status_code=422,
            )
        form = DefaultLoopForm(_shown_path(mapper.loops_root(), path))
        return HTMXTemplate(
            template_name="stats/default_loop.html",
            context={"form": form, "errors": {}, "saved": True},
        )
