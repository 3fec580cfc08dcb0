"""Mappings imported from a file a person uploads, and exported as a file to download: the same
readers, all-or-nothing import and writers as `crateloop mappings import|export`."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from pathlib import PurePath
from typing import get_args

from domain.config import Settings
from domain.loops.exports import export_mappings
from domain.loops.formats import Format, Progress, read_csv, read_json
from domain.loops.imports import ImportOptions, ImportReport, import_mappings
from domain.loops.mapper import TrackMapper
from domain.validation import InputError

EXPORT_FORMATS: tuple[Format, ...] = get_args(Format)
_MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}
# A file of 100,000 mappings is about 15 MB of CSV; the import route lets this much through.
UPLOAD_MAX = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    media_type: str
    content: bytes


def upload_format(filename: str) -> Format:
    """The format of an uploaded file, by its extension (.csv or .json)."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if not filename:
        raise InputError("file", "choose a .csv or .json file of mappings to import")
    for fmt in EXPORT_FORMATS:
        if suffix == fmt:
            return fmt
    raise InputError("file", f"{filename[:80]!r} is not a .csv or .json file")


async def import_upload(
    mapper: TrackMapper, filename: str, content: bytes, *, update: bool = False
) -> ImportReport:
    """Import an uploaded CSV or JSON file of mappings, all or nothing, as the CLI does: the
    report lists each bad row by line (CSV) or item (JSON) and then nothing is written."""
    fmt = upload_format(filename)
    if not content:
        raise InputError("file", f"{filename[:80]!r} is empty")
    if len(content) > UPLOAD_MAX:
        raise InputError("file", f"the file is larger than {UPLOAD_MAX // 2**20} MB")
    read = read_csv if fmt == "csv" else read_json
    rows = read(io.BytesIO(content), Progress())
    return await import_mappings(mapper, rows, ImportOptions(update=update))


async def export_download(
    settings: Settings, fmt: str, *, include_inactive: bool = False
) -> Download:
    """The (active, or all) mappings as a file `mappings import` reads back."""
    if fmt not in EXPORT_FORMATS:
        raise InputError("format", f"format is {fmt[:40]!r}: use csv or json")
    chosen: Format = "csv" if fmt == "csv" else "json"
    out = io.StringIO()
    await asyncio.to_thread(
        export_mappings, settings, chosen, out, include_inactive=include_inactive
    )
    return Download(f"mappings.{chosen}", _MEDIA_TYPES[chosen], out.getvalue().encode("utf-8"))
