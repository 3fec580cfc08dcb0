"""Tracklist downloads shared by the pages and the API: the CUE options as query parameters, the
CUE sheet of a stored tracklist (or its refusal), and CUE / TXT / JSON / M3U answers with a safe
Content-Disposition file name."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from litestar import Response
from litestar.params import FromQuery, Parameter

from domain.db import Sessions
from domain.tracklists import exports, store
from domain.tracklists.cue import (
    CueExport,
    CueOptions,
    CueRefused,
    FileType,
    MissingCues,
    TooManyTracks,
    build_cue,
)
from domain.tracklists.file_names import download_name, tracklist_file_name
from domain.tracklists.model import ParsedTracklist
from web.attachment import attachment


@dataclass(frozen=True, slots=True)
class Export:
    label: str
    extension: str
    media_type: str
    render: Callable[[ParsedTracklist], str]


EXPORTS = {
    "txt": Export("TXT", "txt", "text/plain; charset=utf-8", exports.to_text),
    "json": Export("JSON", "json", "application/json", exports.to_json),
    "m3u": Export("M3U", "m3u", "audio/x-mpegurl; charset=utf-8", exports.to_m3u),
}


@dataclass(frozen=True, slots=True)
class CueQuery:
    """The CUE options of the download form (and of the API's GET), plus the version."""

    version: int | None = None
    file_name: str = ""
    file_type: FileType = FileType.WAVE
    bom: bool = False
    missing: MissingCues = MissingCues.INTERPOLATE
    too_many: TooManyTracks = TooManyTracks.REFUSE

    def options(self) -> CueOptions:
        return CueOptions(
            file_name=self.file_name.strip() or None,
            file_type=self.file_type,
            bom=self.bom,
            missing=self.missing,
            too_many=self.too_many,
        )


def provide_cue_query(
    version: Annotated[int | None, Parameter(ge=1)] = None,
    file_name: Annotated[str, Parameter(max_length=200)] = "",
    file_type: FromQuery[FileType] = FileType.WAVE,
    bom: FromQuery[bool] = False,
    missing: FromQuery[MissingCues] = MissingCues.INTERPOLATE,
    too_many: FromQuery[TooManyTracks] = TooManyTracks.REFUSE,
) -> CueQuery:
    """The `options` dependency: a bad value is a 400 naming the parameter and its choices."""
    return CueQuery(version, file_name, file_type, bom, missing, too_many)


@dataclass(frozen=True, slots=True)
class CueAttempt:
    """The CUE export of a stored tracklist for some options, or (`export` None) why they give
    none."""

    title: str
    export: CueExport | None
    refused: str = ""


async def attempt_cue(sessions: Sessions, tracklist_id: int, query: CueQuery) -> CueAttempt:
    """Build the CUE sheet of tracklist `tracklist_id` at `query.version` with its options."""
    found = await store.get_tracklist(sessions, tracklist_id, query.version)
    title = found.content.title
    try:
        return CueAttempt(title, build_cue(found.content, query.options()))
    except CueRefused as error:
        return CueAttempt(title, None, str(error))


def cue_response(export: CueExport) -> Response[bytes]:
    """One CUE file as is; several (a split list) as a .zip of them. Named as every export is
    (domain/tracklists/file_names.py), after the audio file the sheet describes."""
    if len(export.files) == 1:
        name = download_name(export.stem, "cue")
        return Response(
            export.files[0].encoded(),
            media_type="application/x-cue; charset=utf-8",
            headers=attachment(name),
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for cue in export.files:
            archive.writestr(download_name(cue.name.removesuffix(".cue"), "cue"), cue.encoded())
    name = download_name(export.stem, "zip")
    return Response(buffer.getvalue(), media_type="application/zip", headers=attachment(name))


def export_response(kind: str, tracklist: ParsedTracklist) -> Response[bytes]:
    """The tracklist as `kind` ("txt", "json" or "m3u"), as a download."""
    export = EXPORTS[kind]
    name = tracklist_file_name(tracklist, export.extension)
    body = export.render(tracklist).encode("utf-8")
    return Response(body, media_type=export.media_type, headers=attachment(name))
