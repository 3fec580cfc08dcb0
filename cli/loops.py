"""Loop commands: `mappings import|export|delete`, `loop resolve`, `stats` and `loops validate`.

Each command loads the settings itself (never cached here), calls one domain function and prints.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from cli import running
from domain.config import Settings, configure_logging, get_settings, load_settings
from domain.loops.cache import Resolution
from domain.loops.check import (
    LoopProblem,
    LoopToolMissing,
    ValidationReport,
    deactivate_missing,
    parse_resolution,
    validate_loops,
)
from domain.loops.exports import export_mappings
from domain.loops.formats import (
    SONG_ID_ARTIST,
    Format,
    Progress,
    RawRow,
    read_csv,
    read_json,
    scan_folder,
)
from domain.loops.imports import ImportOptions, ImportReport, RowOutcome, import_mappings
from domain.loops.mapper import MappingNotFound, TrackMapper, loops_service
from domain.models import Reason, TrackMapping
from domain.plays.summary import StatsSummary, stats_summary
from domain.resources import opened
from domain.validation import ID_MAX

_PROGRESS_EVERY = 500


def _with_progress(rows: Iterator[RawRow], progress: Progress) -> Iterator[RawRow]:
    """Pass rows through, drawing a progress bar on stderr when it is a terminal."""
    first = next(rows, None)
    if first is None:
        return
    if progress.total is None or not sys.stderr.isatty():
        yield first
        yield from rows
        return
    with click.progressbar(length=progress.total, label="importing", file=sys.stderr) as bar:
        shown = 0
        for count, row in enumerate(itertools.chain([first], rows)):
            if count % _PROGRESS_EVERY == 0:
                bar.update(progress.done - shown)
                shown = progress.done
            yield row
        bar.update(progress.done - shown)


async def _import(
    settings: Settings, rows: Iterator[RawRow], options: ImportOptions, verbose: bool
) -> ImportReport:
    def say(outcome: RowOutcome) -> None:
        click.echo(f"{outcome.where}: {outcome.outcome} {outcome.detail}")

    async with loops_service(settings, check_loops=True) as mapper:
        return await import_mappings(mapper, rows, options, on_row=say if verbose else None)


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("mappings")
def mappings_group() -> None:
    """Import and export track → loop mappings."""


@mappings_group.command(
    "import",
    epilog=f"""\b
Formats:
  --json  a list of {{"artist", "title", "loop_path", "song_id"?, "notes"?}}
  --csv   a header artist,title,loop_path[,song_id][,notes], then a mapping a line
  --scan  every .mp4 under DIR (inside LOOPS_PATH) named
            artist_-_title.mp4 (underscores become spaces), artist - title.mp4,
            or track_<song id>_loop.mp4: maps an AzuraCast song id, stored with
            artist "{SONG_ID_ARTIST}" and the id as title. Other names are skipped.

\b
loop_path is relative to LOOPS_PATH, or absolute inside it. Without a song_id,
the id is computed from artist and title, as AzuraCast does. Existing mappings
are skipped unless --update (then updated and reactivated).

\b
Nothing is written unless every row is valid (exit status 1): each bad row is
listed as "line N: reason" (JSON: "item N", counted from 1). --skip-invalid
writes the good rows and lists the rest.""",
)
@click.option("--json", "json_file", type=FILE, help="Import a JSON file.")
@click.option("--csv", "csv_file", type=FILE, help="Import a CSV file.")
@click.option(
    "--scan",
    "scan_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Import the .mp4 files of a folder under LOOPS_PATH, by their names.",
)
@click.option("--update", is_flag=True, help="Update and reactivate mappings that exist already.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows even if some are bad.")
@click.option("--verbose", "-v", is_flag=True, help="Say what happened to every row.")
def import_command(
    json_file: Path | None,
    csv_file: Path | None,
    scan_dir: Path | None,
    update: bool,
    dry_run: bool,
    skip_invalid: bool,
    verbose: bool,
) -> None:
    """Import mappings from a JSON or CSV file, or from the names of loop files."""
    sources = [s for s in (json_file, csv_file, scan_dir) if s is not None]
    if len(sources) != 1:
        raise click.UsageError("give exactly one of --json FILE, --csv FILE or --scan DIR")
    settings = load_settings()
    progress = Progress()
    if json_file is not None:
        rows = read_json(json_file, progress)
    elif csv_file is not None:
        rows = read_csv(csv_file, progress)
    else:
        rows = scan_folder(settings.loops_path, Path(os.path.abspath(sources[0])), progress)
    options = ImportOptions(update=update, dry_run=dry_run, skip_invalid=skip_invalid)
    report = asyncio.run(_import(settings, _with_progress(rows, progress), options, verbose))

    if report.fatal is not None:
        click.echo(f"{sources[0]}: {report.fatal}", err=True)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    note = ""
    if dry_run:
        note = " (dry run: nothing was written)"
    elif not report.ok:
        note = " (nothing was written: fix the rows above, or use --skip-invalid)"
    click.echo(report.summary() + note)
    if not report.ok:
        sys.exit(1)


@mappings_group.command("export")
@click.option("--json", "fmt", flag_value="json", help="Write a JSON list.")
@click.option("--csv", "fmt", flag_value="csv", help="Write CSV with a header line.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated mappings.")
def export_command(fmt: Format | None, output: Path | None, include_inactive: bool) -> None:
    """Export the active mappings in the format `mappings import` reads."""
    if fmt is None:
        raise click.UsageError("give --json or --csv")
    settings = load_settings()
    if output is None:
        export_mappings(settings, fmt, sys.stdout, include_inactive=include_inactive)
        return
    partial = output.with_name(f".{output.name}.partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        count = export_mappings(settings, fmt, out, include_inactive=include_inactive)
    partial.replace(output)  # a reader never sees half an export
    click.echo(f"exported {count} mappings to {output}", err=True)


@mappings_group.command("delete")
@click.argument("mapping_id", type=click.IntRange(1, ID_MAX))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete_command(mapping_id: int, yes: bool) -> None:
    """Delete mapping MAPPING_ID for good (the Loops page's Deactivate keeps it instead)."""
    settings = load_settings()

    async def remove() -> TrackMapping:
        async with loops_service(settings) as mapper:
            mapping = await mapper.get_mapping(mapping_id)
            if not yes:
                click.confirm(f'Delete #{mapping.id} "{mapping.track_key}" for good?', abort=True)
            return await mapper.remove_mapping(mapping_id)

    try:
        mapping = asyncio.run(remove())
    except MappingNotFound:
        raise click.BadParameter(
            f"no mapping with id {mapping_id}", param_hint="MAPPING_ID"
        ) from None
    click.echo(f'deleted #{mapping.id} "{mapping.track_key}" -> {mapping.loop_file_path}')


@click.group("loop")
def loop_group() -> None:
    """Look up the loop a track gets."""


def describe(resolution: Resolution) -> str:
    """`/loops/a.mp4  (mapped: "daft punk - one more time")` and the like."""
    if resolution.reason == Reason.MAPPED:
        why = f'mapped: "{resolution.track_key}"'
    elif resolution.reason == Reason.SONG_ID:
        why = f"song_id: {resolution.song_id}"
    else:
        why = f'default: no mapping for "{resolution.track_key}" or song id {resolution.song_id}'
    return f"{resolution.path}  ({why})"


@loop_group.command("resolve")
@click.argument("artist")
@click.argument("title")
@click.option("--song-id", help="The AzuraCast song id (default: computed from artist and title).")
def resolve_command(artist: str, title: str, song_id: str | None) -> None:
    """Print the loop ARTIST - TITLE would get, and why (mapped, song_id or default)."""

    async def resolve() -> Resolution:
        async with loops_service(load_settings()) as mapper:
            return await mapper.resolve(artist, title, song_id)

    resolution = asyncio.run(resolve())
    click.echo(describe(resolution))
    if not os.path.isfile(resolution.path):
        click.echo(f"warning: {resolution.path} does not exist", err=True)


def format_stats(summary: StatsSummary) -> list[str]:
    """The lines of `crateloop stats`: the same figures, and words, as the dashboard's panel."""
    stats, plays, cache = summary.mappings, summary.plays, summary.cache
    lines = [
        f"mappings: {stats.total} total, {stats.active} active",
        f"plays recorded: {plays.recorded}, {plays.mapped} of them with a mapped loop",
        f"plays counted on mappings: {stats.total_plays},"
        f" {stats.average_plays:.2f} per mapping on average",
    ]
    if stats.most_played:
        lines.append("most played:")
        lines += [f"  {count:>8}  {key}" for key, count in stats.most_played]
    whose = f"{cache.processes} process(es)" if cache.shared else "this process, no Redis"
    lines.append(
        f"cache ({whose}): {cache.size} entries (at most {cache.max_size} each),"
        f" TTL {cache.ttl_seconds} s, {cache.hits} hits, {cache.misses} misses"
    )
    return lines


@click.command("stats")
def stats_command() -> None:
    """Mapping statistics (totals, plays, most played) and cache statistics of every process."""

    async def gather() -> StatsSummary:
        async with running.context() as resources:
            mapper = TrackMapper(resources)
            try:
                return await stats_summary(mapper, resources.reads)
            finally:
                await mapper.close()

    for line in format_stats(asyncio.run(gather())):
        click.echo(line)


_LABELS = {"missing": "missing", "invalid": "invalid", "resolution": "size"}


class ResolutionType(click.ParamType[tuple[int, int]]):
    name = "WxH"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int]:
        try:
            return parse_resolution(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.group("loops")
def loops_group() -> None:
    """Check the loop files behind the mappings."""


@loops_group.command("validate")
@click.option("--check-format", is_flag=True, help="Probe each loop file with ffprobe.")
@click.option(
    "--resolution",
    type=ResolutionType(),
    help="List loops of another size, e.g. 1920x1080 (probes with ffprobe).",
)
@click.option(
    "--fix-missing", is_flag=True, help="Deactivate the mappings whose loop file is gone."
)
@click.option("--verbose", "-v", is_flag=True, help="Also list every file that passed.")
def validate_command(
    check_format: bool, resolution: tuple[int, int] | None, fix_missing: bool, verbose: bool
) -> None:
    """List active mappings whose loop file is missing (and, on request, unreadable or of another
    resolution). Exit status 1 while problems remain."""
    settings = get_settings()
    configure_logging(settings)
    try:
        report, fixed = asyncio.run(_validate(settings, check_format, resolution, fix_missing))
    except LoopToolMissing as error:
        raise click.UsageError(str(error)) from error
    _print_report(report, verbose)
    remaining = len(report.problems) - fixed
    summary = (
        f"{report.mappings} active mapping(s), {report.files} loop file(s):"
        f" {len(report.of_kind('missing'))} missing"
    )
    if check_format or resolution:
        summary += f", {len(report.of_kind('invalid'))} invalid"
    elif report.of_kind("invalid"):
        summary += f", {len(report.of_kind('invalid'))} outside the loops folder"
    if resolution:
        summary += f", {len(report.of_kind('resolution'))} not {resolution[0]}x{resolution[1]}"
    if fix_missing:
        summary += f"; deactivated {fixed}"
    click.echo(summary + (f"; {remaining} problem(s) remain" if remaining else "; all good"))
    if remaining:
        sys.exit(1)


async def _validate(
    settings: Settings,
    check_format: bool,
    resolution: tuple[int, int] | None,
    fix_missing: bool,
) -> tuple[ValidationReport, int]:
    async with opened(settings) as resources:
        report = await validate_loops(
            resources.engine, settings.loops_path, check_format=check_format, resolution=resolution
        )
        mapper = TrackMapper(resources)
        try:
            fixed = await deactivate_missing(mapper, report.problems) if fix_missing else 0
        finally:
            await mapper.close()
    return report, fixed


def _print_report(report: ValidationReport, verbose: bool) -> None:
    if verbose:
        for path, probe in sorted(report.probes.items()):
            if probe.status == "ok":
                size = probe.resolution or "?"
                seconds = f"{probe.duration:.1f} s" if probe.duration else "?"
                click.echo(f"ok       {path}  ({probe.codec}, {size}, {seconds})")
    for problem in report.problems:
        click.echo(_line(problem))


def _line(problem: LoopProblem) -> str:
    label = _LABELS[problem.kind]
    return (
        f"{label:<8} #{problem.mapping_id} {problem.track_key} -> {problem.loop_file_path}"
        f"  ({problem.detail})"
    )


COMMANDS: list[click.Command] = [mappings_group, loop_group, stats_command, loops_group]
