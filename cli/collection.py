"""Collection commands: `collection scan [DIR] [--full] [--wait]` and `collection list [--status S]
[--json]` (issue 12 §6; the JSON shape is relied on by scripts).

Exit status 2 means the input was refused (a folder outside MUSIC_PATH, an unknown status), with
the domain's message; 1 is any other failure.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli import running
from cli.exits import EXIT_REFUSED, fail
from domain.collection import scan_job, search, store
from domain.collection.record import CollectionEntry
from domain.validation import InputError

LIST_PAGE = 1000  # rows fetched at a time while listing everything


@click.group("collection")
def collection_group() -> None:
    """Your music collection: the audio files under MUSIC_PATH."""


@collection_group.command("scan")
@click.argument("folder", metavar="[DIR]", required=False, type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="Read every file again, changed or not.")
@click.option("--wait", is_flag=True, help="Follow the scan until it is finished.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the finished scan as JSON (implies --wait)."
)
def scan_command(folder: Path | None, full: bool, wait: bool, as_json: bool) -> None:
    """Scan MUSIC_PATH, or DIR inside it, in the worker: new and changed files are read,
    unchanged ones kept, deleted ones marked missing."""
    # The worker runs elsewhere: a relative DIR is made absolute here, where it was meant.
    absolute = folder.absolute() if folder is not None else None
    job = running.run(lambda: _scan(absolute, full=full, wait=wait or as_json, quiet=as_json))
    if as_json:
        click.echo(json.dumps(job.to_json(), ensure_ascii=False, indent=2))
    if job.state is scan_job.ScanState.FAILED:
        fail(job.message)


async def _scan(folder: Path | None, *, full: bool, wait: bool, quiet: bool) -> scan_job.ScanJob:
    async with running.context() as context:
        try:
            job = await scan_job.start_scan(context, folder, full=full)
        except InputError as error:
            fail(f"{error.field}: {error}", EXIT_REFUSED)
        if not quiet:
            click.echo(f"scan {job.job_id} queued: {job.text}")
        if not wait:
            return job
        return await running.follow(
            job,
            lambda state: scan_job.get_scan(context.settings, context.redis, state.job_id),
            finished=lambda state: state.finished,
            untaken=lambda state: state.state is scan_job.ScanState.QUEUED,
            patience=context.settings.tracklists.worker_notice_seconds,
            counts=lambda state: (state.done, state.total),
            text=lambda state: state.text,
            quiet=quiet,
        )


@collection_group.command("list")
@click.option("--status", help="Only this status: pending, processing, completed or failed.")
@click.option(
    "--order", help="path (default), artist, title or added (newest first).", default=None
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of objects.")
def list_command(status: str | None, order: str | None, as_json: bool) -> None:
    """The collection's files, one a line (or as JSON)."""
    entries = running.run(lambda: _all_files(status, order))
    if as_json:
        shown = [entry.to_json() for entry in entries]
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for entry in entries:
        click.echo(_line(entry))
    if not entries:
        click.echo("the collection is empty" + (f" for status {status}" if status else ""))


async def _all_files(status: str | None, order: str | None) -> list[CollectionEntry]:
    async with running.context() as context:
        entries: list[CollectionEntry] = []
        page = 1
        while True:
            try:
                found = await store.list_files(
                    context.reads, status=status, order=order, page=page, per_page=LIST_PAGE
                )
            except InputError as error:
                fail(f"{error.field}: {error}", EXIT_REFUSED)
            entries.extend(found.items)
            if page >= found.pages:
                return entries
            page += 1


@collection_group.command("search")
@click.argument("query")
@click.option("--format", "fmt", help="Only this format: mp3, flac, aiff, wav or m4a.")
@click.option("--year-from", help="Only from this year.")
@click.option("--year-to", help="Only up to this year.")
@click.option("--status", help="Only this status: pending, processing, completed or failed.")
@click.option("--key", help="Only this key, as the audio says it: 8A, Am, A minor or 1m.")
@click.option("--bpm-from", help="Only from this tempo (the analysed BPM, else the tag's).")
@click.option("--bpm-to", help="Only up to this tempo.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, search.PER_PAGE_MAX))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (the list's shape).")
def search_command(
    query: str,
    fmt: str | None,
    year_from: str | None,
    year_to: str | None,
    status: str | None,
    key: str | None,
    bpm_from: str | None,
    bpm_to: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search the collection, best match first: words, "a phrase", -exclude, prefix*."""
    try:
        where = search.search_filter(
            format=fmt,
            year_from=year_from,
            year_to=year_to,
            status=status,
            key=key,
            bpm_from=bpm_from,
            bpm_to=bpm_to,
        )
    except InputError as error:
        fail(f"{error.field}: {error}", EXIT_REFUSED)
    found = running.run(lambda: _search(query, where, limit))
    for note in found.query.notes:
        click.echo(note, err=True)
    if found.query.tsquery is None:
        click.echo(found.query.message, err=True)
    if as_json:
        shown = [entry.to_json() for entry in found.page.items]
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for entry in found.page.items:
        click.echo(_line(entry))
    if found.query.tsquery is not None and not found.page.items:
        click.echo(f"nothing found for {found.query.searching_for}")


async def _search(text: str, where: search.SearchFilter, limit: int) -> search.SearchResult:
    async with running.context() as context:
        return await search.search_files(context.reads, text, where, per_page=limit)


def _line(entry: CollectionEntry) -> str:
    """One file as a person reads it: id, status, `Artist - Title`, path, and why it failed."""
    name = " - ".join(part for part in (entry.artist, entry.title) if part) or "(no tags)"
    missing = " [missing]" if entry.missing else ""
    why = f"\t{entry.error}" if entry.error else ""
    return f"#{entry.id}\t{entry.status.value}{missing}\t{name}\t{entry.path}{why}"


COMMANDS: list[click.Command] = [collection_group]
