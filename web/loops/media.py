"""Previewing a loop in the page: `/loops/preview` shows a `<video>`, `/loops/media` serves the
file's bytes from LOOPS_PATH only, with HTTP Range (Litestar's File response sends whole files)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery
from litestar.response import Stream, Template

from domain.loops.files import LoopPathError, check_loop_file, confine, relative_to_root
from domain.loops.media import RangeNotSatisfiable, byte_range, read_range
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
            found = await asyncio.to_thread(check_loop_file, root, path)
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
        found = await asyncio.to_thread(_loop_file, resources.settings.loops_path, path)
        return _ranged(found, request.headers.get("range"))


def _loop_file(root: Path, path: str) -> Path:
    """The loop to send: a 400 for a path out of LOOPS_PATH, a 404 for no .mp4 file there."""
    # Confined first: the 400 never says whether a file outside exists.
    try:
        confined = confine(root, path)
    except LoopPathError as error:
        raise _refused(error) from None
    try:
        return check_loop_file(root, confined)
    except LoopPathError as error:
        raise NotFoundException(str(error)) from None


def _ranged(found: Path, range_header: str | None) -> Response[Any]:
    """The file, or the one range asked for (206), or 416 for a range past its end."""
    size = found.stat().st_size
    # A replaced loop keeps its name: never mix ranges of the old and the new file.
    headers = {"accept-ranges": "bytes", "cache-control": "private, no-cache"}
    try:
        wanted = byte_range(range_header, size)
    except RangeNotSatisfiable:
        headers["content-range"] = f"bytes */{size}"
        return Response(b"", status_code=416, headers=headers)
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
