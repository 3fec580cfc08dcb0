"""Uploading a loop from the browser: `/loops/upload`, a page and the form's POST.

The POST reads its multipart body as a stream, piece by piece into `domain.loops.upload`'s
temporary file, so a 500 MB loop never sits in memory. It is the one route with a large body
limit (LOOP_UPLOAD_MAX_MB, set when the app is made); every other route keeps Litestar's small one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from litestar import Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, InternalServerException
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Template
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from multipart import (  # type: ignore[import-untyped]
    MultipartError,
    MultipartSegment,
    PushMultipartParser,
)

from domain.config import Settings
from domain.loops.upload import MB, LoopUpload, loop_folders, too_large, upload_target
from domain.resources import Resources
from domain.validation import InputError
from web.accounts.roles import Access, declare

# Room in the body for the multipart envelope and the small fields around the file.
ENVELOPE_BYTES = 64 * 1024
FIELD_MAX_BYTES = 4096
COPY_CHUNK = 1024 * 1024
REPLACE_ON = ("on", "1", "true", "yes")  # what a ticked box may send
FIELDS = ("_csrf_token", "folder", "replace", "file")


def _size_limit(settings: Settings) -> int:
    """The largest loop an upload may be (LOOP_UPLOAD_MAX_MB)."""
    return settings.loop_upload_max_mb * MB


@dataclass
class UploadForm:
    """The form's fields other than the file itself, as sent (shown again on a refusal)."""

    folder: str = ""
    replace: bool = False


@get("/", name="loop_upload")
async def upload_page(resources: NamedDependency[Resources]) -> Template:
    return await _render(resources, UploadForm(), whole_page=True)


async def receive_upload(request: HTMXRequest, resources: NamedDependency[Resources]) -> Template:
    form = UploadForm()
    # A browser without JavaScript posts the plain form: it gets the whole page back.
    whole_page = not request.htmx
    try:
        saved = await _receive(request, resources.settings, form)
    except InputError as error:
        errors = error.by_field()
        return await _render(resources, form, whole_page, status_code=422, errors=errors)
    return await _render(resources, UploadForm(folder=form.folder), whole_page, uploaded=saved)


async def _render(
    resources: Resources,
    form: UploadForm,
    whole_page: bool,
    *,
    status_code: int = 200,
    **more: Any,
) -> Template:
    settings = resources.settings
    context = {
        "form": form,
        "max_bytes": _size_limit(settings),
        "max_mb": settings.loop_upload_max_mb,
        "errors": {},
        **more,
    }
    if whole_page:
        folders = await asyncio.to_thread(loop_folders, settings.loops_path)
        return Template(
            "loops/upload.html", context=context | {"folders": folders}, status_code=status_code
        )
    return HTMXTemplate(
        template_name="loops/upload_form.html", context=context, status_code=status_code
    )


async def _receive(request: HTMXRequest, settings: Settings, form: UploadForm) -> str:
    """Stream the body into a LoopUpload; the saved loop's path relative to LOOPS_PATH.

    A refusal drains what is left of the body (at most the route's limit), so the browser reads
    the answer instead of a connection reset in the middle of its upload.
    """
    if ScopeState.from_scope(request.scope).form is not Empty:
        return await _receive_parsed(request, settings, form)
    parser = PushMultipartParser(_boundary(request), max_segment_count=len(FIELDS) + 1)
    chunks = _body(request, _size_limit(settings))
    async with AsyncExitStack() as stack:
        upload: LoopUpload | None = None
        field: MultipartSegment | None = None
        text = bytearray()
        try:
            async for chunk in chunks:
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        field, text = event, bytearray()
                        if event.filename is not None:
                            upload = await stack.enter_async_context(_start(settings, form, event))
                    elif event is None:
                        _keep_field(form, field, text)
                    elif upload is not None and field is not None and field.name == "file":
                        await upload.write(event)
                    else:
                        text = _field_text(field, text, event)
            parser.close()
        except (InputError, MultipartError) as error:
            await _drain(chunks)
            if isinstance(error, MultipartError):
                message = "the upload was cut short or is not a form: try again"
                raise InputError("file", message) from None
            raise
        if upload is None:
            raise InputError("file", "choose a loop file (.mp4) to upload")
        return await upload.keep()


async def _receive_parsed(request: HTMXRequest, settings: Settings, form: UploadForm) -> str:
    """The form as the CSRF check parsed it: a browser without JavaScript sends its token in the
    body, so the check reads the form first (Litestar spools a large file to disk)."""
    data = await request.form()
    form.folder = str(data.get("folder", ""))
    form.replace = str(data.get("replace", "")) in REPLACE_ON
    sent = data.get("file")
    if not isinstance(sent, UploadFile):
        raise InputError("file", "choose a loop file (.mp4) to upload")
    target = upload_target(settings.loops_path, form.folder, sent.filename, replace=form.replace)
    async with LoopUpload(target, _size_limit(settings)) as upload:
        while chunk := await sent.read(COPY_CHUNK):
            await upload.write(chunk)
        return await upload.keep()


def _start(settings: Settings, form: UploadForm, segment: MultipartSegment) -> LoopUpload:
    """The upload of the form's file part; the fields before it say where it goes."""
    if segment.name != "file":
        raise InputError("file", f"unexpected file field {segment.name!r}")
    target = upload_target(
        settings.loops_path, form.folder, segment.filename or "", replace=form.replace
    )
    return LoopUpload(target, _size_limit(settings))


def _field_text(segment: MultipartSegment | None, text: bytearray, piece: bytes) -> bytearray:
    """A text field's bytes so far; refused past FIELD_MAX_BYTES rather than cut short."""
    if len(text) + len(piece) > FIELD_MAX_BYTES:
        name = (segment.name if segment is not None else None) or "form"
        raise InputError(name, f"the {name} field is longer than {FIELD_MAX_BYTES} bytes")
    text += piece
    return text


def _keep_field(form: UploadForm, segment: MultipartSegment | None, value: bytearray) -> None:
    if segment is None or segment.filename is not None:
        return
    text = value.decode("utf-8", "replace")
    if segment.name == "folder":
        form.folder = text
    elif segment.name == "replace":
        form.replace = text in REPLACE_ON


def _boundary(request: HTMXRequest) -> str:
    kind, options = request.content_type
    boundary = options.get("boundary", "")
    if kind != "multipart/form-data" or not boundary:
        raise ClientException(
            "send the loop as a multipart/form-data form with a `file` field",
            extra={"field": "file"},
        )
    return boundary


async def _body(request: HTMXRequest, max_bytes: int) -> AsyncIterator[bytes]:
    """The request body's pieces; a body past the route's limit is the file being too large."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientException as error:  # RequestEntityTooLarge
        if error.status_code == 413:
            raise too_large(max_bytes) from None
        raise
    except InternalServerException:  # Litestar's word for a client gone mid-body
        raise InputError("file", "the upload was interrupted: try again") from None


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    try:
        async for _ in chunks:
            pass
    except (InputError, InternalServerException):  # past the limit, or the browser gave up
        return


def upload_routes(settings: Settings) -> Router:
    """The upload page and its POST, whose body limit is LOOP_UPLOAD_MAX_MB (and a little)."""
    limit = _size_limit(settings) + ENVELOPE_BYTES
    receive: HTTPRouteHandler = post("/", request_max_body_size=limit, status_code=200)(
        receive_upload
    )
    return Router(
        "/loops/upload", route_handlers=[upload_page, receive], opt=declare(Access.OPERATOR)
    )
