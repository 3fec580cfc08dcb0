"""Library commands: `library identify` (a tracklist's rows as library tracks) and `library list`.

Identification runs in the worker (it keeps MusicBrainz's pace for every process); `--wait`
follows the job with a progress line, `--json` prints each row's identification. Exit status 2
means the input was refused (not a tracklist id or URL, a position the tracklist lacks); 1 is any
other failure. Rows an outside service failed are "unmatched" and tried again by the worker.
"""

from __future__ import annotations

import json

import click

from cli import running
from cli.exits import EXIT_REFUSED, fail
from domain.library import identify
from domain.library.listing import MAX_LISTED, list_library
from domain.resources import Resources
from domain.tracklists import store
from domain.validation import InputError


@click.group("library")
def library_group() -> None:
    """Identify tracklist rows as recordings and list the library they build."""


# identify ---------------------------------------------------------------------------------------


def _positions(text: str | None) -> list[int] | None:
    """ "1,3,5" as [1, 3, 5]; refused (exit 2) unless every part is a whole number from 1."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and int(part) >= 1 for part in parts):
        fail(f"--positions: {text!r} is not a list of positions like 1,3,5", EXIT_REFUSED)
    return [int(part) for part in parts]


@library_group.command("identify")
@click.argument("tracklist")
@click.option("--positions", help="Only these rows, by position: 1,3,5.")
@click.option("--wait", is_flag=True, help="Follow the job until every row is identified.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print each row's identification (implies --wait)."
)
def identify_command(tracklist: str, positions: str | None, wait: bool, as_json: bool) -> None:
    """Queue the identification of TRACKLIST (an id or a tracklist URL) for the worker."""
    chosen = _positions(positions)
    running.run(lambda: _identify(tracklist, chosen, wait=wait or as_json, as_json=as_json))


async def _identify(
    reference: str, positions: list[int] | None, *, wait: bool, as_json: bool
) -> None:
    async with running.context() as context:
        tracklist_id = await running.find_tracklist(context, reference)
        try:
            progress = await identify.start_identify(context, tracklist_id, positions=positions)
        except InputError as error:
            fail(f"{error.field}: {error}", EXIT_REFUSED)
        except store.TracklistNotFound as error:
            fail(str(error))
        if not as_json:
            click.echo(f"identification {progress.job_id} queued: {progress.total} rows")
        if not wait:
            return
        progress = await _follow(context, progress, quiet=as_json)
        rows = await identify.identified_rows(
            context.sessions, progress.tracklist_id, progress.version, positions
        )
        if as_json:
            click.echo(json.dumps([row.to_json() for row in rows], ensure_ascii=False, indent=2))
            return
        for row in rows:
            click.echo(f"{row.position}: {row.state} ({row.confidence:.2f})")


async def _follow(
    context: Resources, started: identify.Progress, *, quiet: bool
) -> identify.Progress:
    """Wait until every row has been through once, showing the progress; a job nobody takes
    gets one notice."""
    return await running.follow(
        started,
        lambda state: identify.get_progress(context.settings, context.redis, state.job_id),
        finished=lambda state: state.finished,
        untaken=lambda state: state.done == 0,
        patience=context.settings.tracklists.worker_notice_seconds,
        counts=lambda state: (state.done, state.total),
        text=lambda state: state.text,
        quiet=quiet,
    )


# list -------------------------------------------------------------------------------------------


@library_group.command("list")
@click.option("--query", default="", help="Only tracks whose artists or title hold this text.")
@click.option("--json", "as_json", is_flag=True, help="Print the tracks as a JSON array.")
@click.option(
    "--limit", default=1000, show_default=True, type=click.IntRange(1, MAX_LISTED), help="At most."
)
def list_command(query: str, as_json: bool, limit: int) -> None:
    """List the library's tracks, the most discovered first."""
    running.run(lambda: _list(query, as_json=as_json, limit=limit))


async def _list(query: str, *, as_json: bool, limit: int) -> None:
    async with running.context() as context:
        tracks = await list_library(context.sessions, query, limit=limit)
    if as_json:
        click.echo(json.dumps([t.to_json() for t in tracks], ensure_ascii=False, indent=2))
        return
    for track in tracks:
        click.echo(f"{track.id}\t{track.artist} - {track.title}\tin {track.discovery_count} mixes")
    if not tracks:
        click.echo("no library tracks" + (f" matching {query!r}" if query else ""))


COMMANDS = [library_group]
