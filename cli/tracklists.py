"""Tracklist commands: `tracklists import|parse|paste|search|list` and `cue`.

Imports run in the worker (it keeps the site's pace for every process); `--wait` follows the job.
`parse` reads a page a DJ saved from the browser and needs nothing else; `paste` stores a
tracklist typed in the text format the TXT download writes. Exit status 2 means the input was
refused (a URL not on the site, a page that is not a tracklist, a line that does not read); 3
means the site blocked us for now; 1 is any other failure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import click

from cli import running
from cli.exits import EXIT_BLOCKED, EXIT_REFUSED, fail
from domain.config import Settings, load_settings
from domain.models import TracklistOrigin
from domain.resources import Resources, opened
from domain.tracklists import drafts, imports, store, text_format
from domain.tracklists.client import PoliteClient
from domain.tracklists.cue import (
    CueExport,
    CueOptions,
    CueRefused,
    FileType,
    MissingCues,
    TooManyTracks,
    build_cue,
)
from domain.tracklists.decoding import decode_page
from domain.tracklists.draft_fields import check_track
from domain.tracklists.fetch_errors import Blocked, SiteError
from domain.tracklists.listings import ListingItem, ListingKind
from domain.tracklists.model import ParsedTrack, ParsedTracklist, format_cue
from domain.tracklists.page_errors import PageError
from domain.tracklists.parse import parse_tracklist
from domain.tracklists.urls import SiteUrls, UrlRefused
from domain.validation import InputError


@click.group("tracklists")
def tracklists_group() -> None:
    """Import, parse, search and list 1001tracklists tracklists."""


# import -----------------------------------------------------------------------------------------


@tracklists_group.command("import")
@click.argument("url")
@click.option("--force", is_flag=True, help="Fetch again even if the page is cached.")
@click.option("--wait", is_flag=True, help="Follow the import until it is stored or fails.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the stored tracklist as JSON (implies --wait)."
)
def import_command(url: str, force: bool, wait: bool, as_json: bool) -> None:
    """Queue the import of a tracklist URL (or a 1001.tl short link) for the worker."""
    running.run(lambda: _import(url, force=force, wait=wait or as_json, as_json=as_json))


async def _import(url: str, *, force: bool, wait: bool, as_json: bool) -> None:
    async with running.context() as context:
        try:
            job = await imports.start_import(context, url, force=force)
        except UrlRefused as error:
            fail(str(error), EXIT_REFUSED)
        if not as_json:
            click.echo(f"import #{job.id} queued: {job.url}")
        if not wait:
            return
        job = await _follow(context, job, quiet=as_json)
        if job.status is imports.ImportStatus.FAILED:
            fail(f"import #{job.id} failed: {job.message}")
        assert job.tracklist_id is not None
        detail = await store.get_tracklist(context.sessions, job.tracklist_id)
        if as_json:
            click.echo(json.dumps(detail.content.to_json(), ensure_ascii=False, indent=2))
        else:
            what = "new version" if job.changed else "unchanged"
            click.echo(f"tracklist #{job.tracklist_id}, version {job.version} ({what})")


async def _follow(
    context: Resources, queued: imports.ImportJob, *, quiet: bool
) -> imports.ImportJob:
    """Poll the job until it is stored or failed, printing each status change (a blocked job
    stops the wait: the worker retries by itself, maybe hours later). A job still queued after
    TRACKLISTS_WORKER_NOTICE_SECONDS gets one notice on stderr that no worker has taken it."""
    job, shown = queued, queued.status
    async for job in running.polled(
        queued,
        lambda state: imports.get_import(context.sessions, state.id),
        finished=lambda state: state.finished,
        untaken=lambda state: state.status is imports.ImportStatus.QUEUED,
        patience=context.settings.tracklists.worker_notice_seconds,
        prefix=f"import #{queued.id}: ",
    ):
        if job.status is not shown and not quiet:
            click.echo(f"{job.status}{': ' + job.message if job.message else ''}")
        shown = job.status
        if job.status is imports.ImportStatus.BLOCKED:
            fail(f"import #{job.id}: {job.message}", EXIT_BLOCKED)
    return job


# parse ------------------------------------------------------------------------------------------


@tracklists_group.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON shape.")
def parse_command(file: Path, as_json: bool) -> None:
    """Parse a tracklist page saved from the browser (nothing is fetched or stored)."""
    try:
        tracklist = parse_tracklist(decode_page(file.read_bytes()))
    except PageError as error:
        fail(f"{file}: {error}", EXIT_REFUSED)
    if as_json:
        click.echo(json.dumps(tracklist.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(_describe(tracklist))


def _describe(tracklist: ParsedTracklist) -> str:
    lines = [tracklist.title]
    facts = [
        ", ".join(tracklist.djs),
        tracklist.source or "",
        tracklist.date.isoformat() if tracklist.date else "",
        ", ".join(tracklist.genres),
    ]
    lines.append(" · ".join(fact for fact in facts if fact))
    for track in tracklist.tracks:
        number = "w/" if track.with_previous else f"{track.position:02d}" if track.position else ""
        cue = format_cue(track.cue_seconds) if track.cue_seconds is not None else ""
        label = f" [{track.label}]" if track.label else ""
        lines.append(f"{number:>3} {cue:>8}  {track.display}{label}")
    return "\n".join(lines)


# paste ------------------------------------------------------------------------------------------


@tracklists_group.command("paste")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", help="The tracklist's title (default: the file's name).")
@click.option("--dj", "djs", multiple=True, help="A DJ (repeat it, or write 'A, B').")
@click.option("--date", "day", help="The set's date, YYYY-MM-DD.")
@click.option("--draft", is_flag=True, help="Keep it as a draft to edit on its page first.")
def paste_command(
    file: Path, title: str | None, djs: tuple[str, ...], day: str | None, draft: bool
) -> None:
    """Store a tracklist from FILE in the TXT download's format, one track a line (published as
    version 1 unless --draft). A line that does not read is named and nothing is stored."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        fail(f"{file}: not UTF-8 text (byte {error.start}): save it as UTF-8", EXIT_REFUSED)
    pasted = text_format.parse_text(text)
    # Every line's error, those of the text and those of the rules a row must keep (a length, a
    # cue under 100 hours), named by the line the row came from.
    errors = [(error.line, error.message) for error in pasted.errors]
    for line, track in zip(pasted.lines, pasted.tracks, strict=True):
        try:
            check_track(track)
        except InputError as error:
            errors.append((line, str(error)))
    for line, message in sorted(errors):
        click.echo(f"{file}:{line}: {message}", err=True)
    if errors:
        count = len(errors)
        fail(
            f"{file}: {count} line{'s' if count > 1 else ''} not read: nothing stored", EXIT_REFUSED
        )
    if not pasted.tracks:
        fail(f"{file}: no line with a track: nothing stored", EXIT_REFUSED)
    create = drafts.create_manual if draft else drafts.create_published
    new_id = running.run(
        lambda: _paste(create, title or file.stem, ", ".join(djs), day, pasted.tracks)
    )
    state = "a draft: publish it on its page" if draft else "version 1"
    click.echo(f"tracklist #{new_id}, {state} ({len(pasted.tracks)} rows)")


async def _paste(
    create: Callable[..., Coroutine[Any, Any, int]],
    title: str,
    djs: str,
    day: str | None,
    tracks: Sequence[ParsedTrack],
) -> int:
    async with running.context() as context:
        try:
            return await create(
                context.sessions,
                title=title,
                djs=djs,
                source=None,
                date=day,
                genres=(),
                tracks=tracks,
                user_id=None,
                origin=TracklistOrigin.PASTE,
            )
        except InputError as error:
            fail(f"{error.field}: {error}", EXIT_REFUSED)


# search -----------------------------------------------------------------------------------------


@tracklists_group.command("search")
@click.argument("query")
@click.option(
    "--type",
    "kind",
    type=click.Choice([kind.value for kind in ListingKind]),
    default=ListingKind.TRACKLIST.value,
    show_default=True,
)
@click.option("--force", is_flag=True, help="Ask the site again even if the answer is cached.")
def search_command(query: str, kind: str, force: bool) -> None:
    """Search 1001tracklists for tracklists, DJs or sources."""
    running.run(lambda: _search(query, ListingKind(kind), force))


async def _search(query: str, kind: ListingKind, force: bool) -> None:
    async with _site_client(load_settings(), "the site's search failed") as client:
        listing = await client.search(query, kind, force=force)
    _print_items(listing.items, f"nothing found for {query!r}")


@asynccontextmanager
async def _site_client(settings: Settings, failed: str) -> AsyncIterator[PoliteClient]:
    """The polite client for one command; the site blocking us exits with status 3, any other
    failure of the site with 1 (`failed` and the reason)."""
    async with opened(settings, pool_size=1) as resources:
        try:
            yield resources.client(PoliteClient)
        except Blocked as error:
            fail(str(error), EXIT_BLOCKED)
        except (SiteError, PageError, UrlRefused) as error:  # UrlRefused: a redirect off the site
            fail(f"{failed}: {error}")


def _print_items(items: Sequence[ListingItem], empty: str) -> None:
    """One result per two lines: date and title, then the URL (`empty` on stderr if none)."""
    if not items:
        click.echo(empty, err=True)
    for item in items:
        when = item.date.isoformat() if item.date else ""
        click.echo(f"{when:10}  {item.title}\n            {item.url}")


# list -------------------------------------------------------------------------------------------


@tracklists_group.command("list")
@click.argument("url")
@click.option("--force", is_flag=True, help="Ask the site again even if the pages are cached.")
def list_command(url: str, force: bool) -> None:
    """List the tracklists of a DJ or source page of 1001tracklists (every page of it)."""
    running.run(lambda: _list(url, force))


async def _list(url: str, force: bool) -> None:
    settings = load_settings()
    try:
        page_url = SiteUrls.from_settings(settings).page_url(url)
    except UrlRefused as error:
        fail(str(error), EXIT_REFUSED)
    async with _site_client(settings, f"could not list the tracklists of {page_url}") as client:
        items = await client.tracklists_of(page_url, force=force)
    _print_items(items, f"no tracklists on {page_url}")


# cue --------------------------------------------------------------------------------------------


@click.command("cue")
@click.argument("tracklist")
@click.option("--version", "version", type=int, help="A version number (default: the latest).")
@click.option("--file", "file_name", help="The audio file the sheet describes.")
@click.option("--type", "file_type", type=click.Choice([t.value for t in FileType]), default="WAVE")
@click.option("--bom", is_flag=True, help="Start the file with a UTF-8 byte order mark.")
@click.option(
    "--missing",
    type=click.Choice([m.value for m in MissingCues]),
    default=MissingCues.INTERPOLATE.value,
    show_default=True,
    help="Rows without a cue time: interpolate them (flagged) or leave them out.",
)
@click.option(
    "--split/--refuse",
    default=False,
    help="More than 99 tracks: split into several sheets, or refuse (the default).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def cue_command(
    tracklist: str,
    version: int | None,
    file_name: str | None,
    file_type: str,
    bom: bool,
    missing: str,
    split: bool,
    output: Path | None,
) -> None:
    """Write the CUE sheet of a stored tracklist, by its id or its site URL."""
    options = CueOptions(
        file_name=file_name,
        file_type=FileType(file_type),
        bom=bom,
        missing=MissingCues(missing),
        too_many=TooManyTracks.SPLIT if split else TooManyTracks.REFUSE,
    )
    content = running.run(lambda: _content(tracklist, version))
    try:
        export = build_cue(content, options)
    except CueRefused as error:
        fail(str(error), EXIT_REFUSED)
    for warning in export.warnings:
        click.echo(f"warning: {warning}", err=True)
    _write(export, output)


async def _content(reference: str, version: int | None) -> ParsedTracklist:
    async with running.context() as context:
        tracklist_id = await running.find_tracklist(context, reference)
        try:
            detail = await store.get_tracklist(context.sessions, tracklist_id, version)
        except store.TracklistNotFound as error:
            fail(str(error))
        return detail.content


def _write(export: CueExport, output: Path | None) -> None:
    """One sheet: to OUTPUT or stdout. Several (split): beside OUTPUT, or in the current folder."""
    if len(export.files) == 1 and output is None:
        sys.stdout.buffer.write(export.files[0].encoded())
        return
    if len(export.files) == 1:
        assert output is not None
        output.write_bytes(export.files[0].encoded())
        click.echo(f"wrote {output}", err=True)
        return
    folder = output.parent if output else Path.cwd()
    for sheet in export.files:
        (folder / sheet.name).write_bytes(sheet.encoded())
        click.echo(f"wrote {folder / sheet.name}", err=True)


COMMANDS = [tracklists_group, cue_command]
