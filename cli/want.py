"""Want-list commands: `want add|list|set|export|import-discogs` (issue 11 §7; the shapes
scripts rely on; `export --format m3u8|rekordbox` the owned files, issue 12 §5).

The command line has no login: each command acts on the want-list of `--user NAME` (or
CRATELOOP_USER), or of the only enabled account with the dj or admin role
(domain/library/want_owner.py). Exit status 2 means the input was refused, with the domain's
message; 1 is any other failure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from cli import running
from cli.exits import EXIT_REFUSED, fail
from domain.collection import want_exports
from domain.config import load_settings
from domain.db import Sessions
from domain.library import discogs_wants, wants
from domain.library.want_owner import want_list_owner
from domain.library.wants import WantEntry, WantNotFound
from domain.resources import opened
from domain.validation import InputError, row_number

T = TypeVar("T")

user_option = click.option(
    "--user",
    "username",
    envvar="CRATELOOP_USER",
    metavar="NAME",
    help="Whose want-list [env CRATELOOP_USER; default: the only account with the dj role].",
)


def _as_user(username: str | None, work: Callable[[Sessions, int], Awaitable[T]]) -> T:
    """Run `work` with database sessions and the want-list owner's id; a refused input (the
    domain's InputError, an item not on the list) exits 2 with its message."""

    async def run() -> T:
        async with opened(load_settings(), pool_size=1) as resources:
            owner = await want_list_owner(resources.sessions, username)
            return await work(resources.sessions, owner.id)

    try:
        return asyncio.run(run())
    except InputError as error:
        fail(f"{error.field}: {error}", EXIT_REFUSED)
    except WantNotFound as error:
        fail(f"id: {error}", EXIT_REFUSED)


def _row_id(field: str, value: int) -> int:
    try:
        return row_number(field, value)
    except InputError as error:
        fail(f"{error.field}: {error}", EXIT_REFUSED)


def _line(entry: WantEntry) -> str:
    """One item as a person reads it: id, status, priority, `Artist - Title (Version)`."""
    facts = entry.facts
    version = f" ({facts.version.text})" if facts.version.text else ""
    return (
        f"#{entry.id}\t{entry.status.value}\tP{entry.priority}"
        f"\t{facts.artists} - {facts.title_base}{version}"
    )


@click.group("want")
def want_group() -> None:
    """Your want-list: the library tracks you mean to own."""


@want_group.command("add")
@click.argument("library_track_id", type=int)
@click.option("--priority", help="1 (most wanted) to 5 [default: 3].")
@click.option("--notes", help="Free text, up to 2,000 characters.")
@user_option
def add_command(
    library_track_id: int, priority: str | None, notes: str | None, username: str | None
) -> None:
    """Put the library track LIBRARY_TRACK_ID on the want-list."""
    track_id = _row_id("library_track_id", library_track_id)

    async def add(sessions: Sessions, user_id: int) -> WantEntry:
        want_id = await wants.add_want(sessions, user_id, track_id, priority=priority, notes=notes)
        return await wants.get_want(sessions, user_id, want_id)

    click.echo(f"added {_line(_as_user(username, add))}")


@want_group.command("list")
@click.option("--status", help="Only this status: wanted, found, purchased, in_library, …")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (the export's shape).")
@user_option
def list_command(status: str | None, as_json: bool, username: str | None) -> None:
    """The want-list, newest first."""

    async def listed(sessions: Sessions, user_id: int) -> list[WantEntry]:
        return await wants.all_wants(sessions, user_id, wants.want_filter(status))

    entries = _as_user(username, listed)
    if as_json:
        click.echo(json.dumps([entry.to_json() for entry in entries], ensure_ascii=False, indent=2))
        return
    for entry in entries:
        click.echo(_line(entry))
    if not entries:
        click.echo("the want-list is empty" + (f" for status {status}" if status else ""))


@want_group.command("set")
@click.argument("want_id", metavar="ID", type=int)
@click.option("--status", help="wanted → found → purchased → in_library, or unavailable.")
@click.option("--priority", help="1 (most wanted) to 5.")
@click.option("--notes", help="Replace the notes.")
@user_option
def set_command(
    want_id: int,
    status: str | None,
    priority: str | None,
    notes: str | None,
    username: str | None,
) -> None:
    """Change the status, priority or notes of the want-list item ID."""
    if status is None and priority is None and notes is None:
        fail("give --status, --priority or --notes: nothing to change", EXIT_REFUSED)
    item_id = _row_id("id", want_id)

    async def change(sessions: Sessions, user_id: int) -> WantEntry:
        return await wants.update_want(
            sessions, user_id, item_id, status=status, priority=priority, notes=notes
        )

    click.echo(f"changed {_line(_as_user(username, change))}")


@want_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*wants.EXPORT_FORMATS, *want_exports.OWNED_FORMATS]),
    default="csv",
    show_default=True,
    help="csv (formula-guarded), json, or txt in the tracklist paste format; m3u8 or rekordbox:"
    " a playlist of the files of the in_library items.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File [default: stdout].",
)
@click.option("--status", help="Only this status.")
@user_option
def export_command(fmt: str, output: Path | None, status: str | None, username: str | None) -> None:
    """Write the want-list as CSV, JSON or TXT, or its owned files as M3U8 or Rekordbox XML."""

    async def export(sessions: Sessions, user_id: int) -> bytes:
        if fmt in want_exports.OWNED_FORMATS:
            if status is not None:
                raise InputError("status", "an owned-files playlist holds in_library items only")
            tracks = await want_exports.owned_tracks(sessions, user_id)
            return want_exports.owned_export(tracks, fmt)
        entries = await wants.all_wants(sessions, user_id, wants.want_filter(status))
        return wants.export_wants(entries, fmt).encode("utf-8")

    data = _as_user(username, export)
    if output is None:
        click.echo(data, nl=False)  # bytes go to stdout as they are
        return
    # Bytes as they are: the CSV's own \r\n line ends included.
    output.write_bytes(data)
    click.echo(f"wrote {output}", err=True)


@want_group.command("import-discogs")
@click.argument("discogs_username", metavar="DISCOGS_USER")
@click.option("--wait", is_flag=True, help="Follow the import until it is finished.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the finished import as JSON (implies --wait)."
)
@user_option
def import_discogs_command(
    discogs_username: str, wait: bool, as_json: bool, username: str | None
) -> None:
    """Import DISCOGS_USER's Discogs want-list (DISCOGS_TOKEN set): every track of each wanted
    release goes on the want-list; tracks already on it stay as they are."""
    progress = running.run(
        lambda: _import_discogs(discogs_username, username, wait=wait or as_json, quiet=as_json)
    )
    if as_json:
        click.echo(json.dumps(progress.to_json(), ensure_ascii=False, indent=2))
    if progress.state is discogs_wants.ImportState.FAILED:
        fail(progress.message)


async def _import_discogs(
    discogs_user: str, username: str | None, *, wait: bool, quiet: bool
) -> discogs_wants.WantsImport:
    async with running.context() as context:
        owner = await _owner(context.sessions, username)
        try:
            progress = await discogs_wants.start_import(context, owner, discogs_user)
        except InputError as error:
            fail(f"{error.field}: {error}", EXIT_REFUSED)
        if not quiet:
            click.echo(f"import {progress.job_id} queued: {progress.username}'s Discogs want-list")
        if not wait:
            return progress
        return await running.follow(
            progress,
            lambda state: discogs_wants.get_import(context.settings, context.redis, state.job_id),
            finished=lambda state: state.finished,
            untaken=lambda state: state.state is discogs_wants.ImportState.QUEUED,
            patience=context.settings.tracklists.worker_notice_seconds,
            counts=lambda state: (state.done, state.total),
            text=lambda state: state.text,
            quiet=quiet,
        )


async def _owner(sessions: Sessions, username: str | None) -> int:
    try:
        return (await want_list_owner(sessions, username)).id
    except InputError as error:
        fail(f"{error.field}: {error}", EXIT_REFUSED)


COMMANDS: list[click.Command] = [want_group]
