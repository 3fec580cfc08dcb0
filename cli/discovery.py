"""`crateloop discovery stats`: the discovery statistics, computed now (issue 11 §7).

The page and the API read the worker's snapshot; a command computes the figures itself, so a
script always gets the current ones (seconds at a million discoveries). The want-list
conversion is that of `--user NAME` (or CRATELOOP_USER), or of the only account with the dj role;
with no such account it is left out.
"""

from __future__ import annotations

import json

import click

from cli.exits import EXIT_REFUSED, fail
from cli.running import context, run
from domain.library import statistics
from domain.library.statistics import Conversion, Period, Statistics
from domain.library.want_owner import want_list_owner
from domain.validation import InputError


@click.group("discovery")
def discovery_group() -> None:
    """What you keep discovering in the mixes you identify."""


@discovery_group.command("stats")
@click.option(
    "--period",
    type=click.Choice([period.value for period in Period]),
    default=Period.MONTHLY.value,
    show_default=True,
    help="daily: 30 days by day; weekly: 26 weeks; monthly: 24 months; all-time.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option(
    "--user",
    "username",
    envvar="CRATELOOP_USER",
    metavar="NAME",
    help="Whose want-list conversion [env CRATELOOP_USER; default: the only dj account].",
)
def stats(period: str, as_json: bool, username: str | None) -> None:
    """Tracks, artists and labels discovered, top genres, sources, the most-supported tracks,
    what is rising, and how much of the want-list was bought."""
    chosen = Period(period)

    async def gather() -> tuple[Statistics, Conversion | None]:
        async with context() as resources:
            figures = await statistics.compute(resources.sessions, chosen)
            try:
                owner = await want_list_owner(resources.sessions, username)
            except InputError as error:
                if username:
                    fail(f"{error.field}: {error}", EXIT_REFUSED)
                return figures, None
            return figures, await statistics.conversion(resources.sessions, owner.id, chosen)

    figures, conversion = run(gather)
    if as_json:
        shown = figures.to_json()
        if conversion is not None:
            shown["conversion"] = conversion.to_json()
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    click.echo(format_statistics(figures, conversion))


def format_statistics(figures: Statistics, conversion: Conversion | None) -> str:
    since = f"since {figures.start:%Y-%m-%d}" if figures.start else "all time"
    lines = [
        f"Discoveries, {figures.period.value} ({since})",
        f"  tracks      {figures.tracks} ({figures.new_tracks} new to the library)",
        f"  artists     {figures.artists}",
        f"  labels      {figures.labels}",
        f"  mixes       {figures.mixes}",
        f"  rate        {figures.rate_recent:g} tracks a day in the last 30 days"
        f" ({figures.rate_before:g} in the 30 before)",
    ]
    if conversion is not None and conversion.rate is not None:
        lines.append(
            f"  bought      {conversion.bought} of {conversion.wanted} wanted"
            f" ({conversion.rate:.0%})"
        )
    lines.append("Sources: " + ", ".join(f"{s.name} {s.count}" for s in figures.sources))
    if figures.genres:
        lines.append("Top genres: " + ", ".join(f"{g.name} ({g.count})" for g in figures.genres))
    for label, trends in (
        ("Rising artists", figures.rising_artists),
        ("Rising labels", figures.rising_labels),
        ("Rising genres", figures.rising_genres),
    ):
        if trends:
            lines.append(
                f"{label}: " + ", ".join(f"{t.name} ({t.before}→{t.recent})" for t in trends)
            )
    if figures.most_supported:
        lines.append("Most supported:")
        lines += [
            f"  {track.mixes:>4}  {track.artists} - {track.title}"
            for track in figures.most_supported
        ]
    return "\n".join(lines)


COMMANDS: list[click.Command] = [discovery_group]
