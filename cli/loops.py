"""`crateloop loops validate`: find mappings whose loop file is missing, unreadable or mis-sized."""

from __future__ import annotations

import asyncio
import sys

import click

from domain.config import Settings, configure_logging, get_settings
from domain.loop_check import (
    LoopProblem,
    LoopToolMissing,
    ValidationReport,
    deactivate_missing,
    parse_resolution,
    validate_loops,
)
from domain.mappings import TrackMapper

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
    mapper = TrackMapper.from_settings(settings)
    try:
        report = await validate_loops(
            mapper.engine, settings.loops_path, check_format=check_format, resolution=resolution
        )
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


COMMANDS: list[click.Command] = [loops_group]
