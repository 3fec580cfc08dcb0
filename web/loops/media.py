"""Previewing a loop in the page: `/loops/preview` shows a `<video>`, `/loops/media` serves the
file's bytes from LOOPS_PATH only, with HTTP Range (Litestar's File response sends whole files)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery
from litestar.response import Stream, Template

from domain.loops.files import LoopPathError, confine, relative_to_root
from domain.loops.media import RangeNotSatisfiable, byte_range, preview_file, read_range
from domain.resources import Resources
from web.accounts.roles import Access, declare


def _refused(error: LoopPathError) -> ClientException:
    return ClientException(str(error), extra={"field": "path"})


class LoopMediaController(Controller):
    path = "/loops"
    opt = declare(Access.OPERATOR)

    @get("/preview", name="loop_preview")
    async def preview(
        self, resources: NamedDependency[Resources], path: FromQuery[str] = ""
    ) -> Template:
        root = resources.settings.loops_path
        try:
            found = await asyncio.to_thread(preview_file, root, path)
        except LoopPathError as error:
            raise _refused(error) from None
        shown = relative_to_root(root, found)
        return Template(template_name="loops/preview.html", context={"loop_path": shown})

    @get("/media", name="loop_media")
    async def media(
        self,
        request: Request[Any, Any, State],
        resources: NamedDependency[Resources],
        path: FromQuery[str],
    ) -> Response[Any]:
        root = resources.settings.loops_path
        try:
            confine(root, path)
        except LoopPathError as error:
            raise _refused(error) from None
        try:
            found = await asyncio.to_thread(preview_file, root, path)
        except LoopPathError as error:  # inside the folder, but no .mp4 file there
            raise NotFoundException(str(error)) from None
        size = found.stat().st_size
        headers = {"accept-ranges": "bytes", "cache-control": "private, max-age=300"}
        try:
            wanted = byte_range(request.headers.get("range"), size)
        except RangeNotSatisfiable:
            return Response(
                b"", status_code=416, headers=headers | {"content-range": f"bytes */{size}"}
            )
        if wanted is None:
            headers["content-length"] = str(size)
            return Stream(read_range(found, 0, size), media_type="video/mp4", headers=headers)
        headers |= {"content-range": wanted.content_range, "content-length": str(wanted.length)}
        return Stream(
            read_range(found, wanted.start, wanted.length),
            media_type="video/mp4",
            headers=headers,
            status_code=206,
        )
