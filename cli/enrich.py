"""Enrichment commands (issue 12 §6; the JSON shapes are relied on by scripts):

- `enrich [--pending|--all|ITEM…] [--wait] [--json]` queues items for the worker; ITEM is
  `library:12` or `collection:7` (a bare number is refused: both kinds have ids);
- `enrich stats [--json]`: coverage in percent per kind;
- `enrich sources [--json]`: each outside API's status, as the Sources page shows it.

`enrich` is a group whose default command takes the items, so `crateloop enrich library:12` and
`crateloop enrich stats` both read naturally. Exit status 2 means the input was refused, with the
domain's message; 1 is any other failure.
"""

from __future__ import annotations

import json

import click

from cli import running
from cli.exits import EXIT_REFUSED, fail
from domain.enrichment import coverage, job, sources
from domain.enrichment.items import ItemKind
from domain.enrichment.pick import Which
from domain.validation import InputError

DEFAULT = "items"  # the command `crateloop enrich ITEM…` runs
FACT_NAMES = {
    "isrc": "ISRC",
    "mbid": "MBID",
    "bpm": "BPM",
    "key": "Key",
    "label": "Label",
    "audio_features": "Audio features",
}


class EnrichGroup(click.Group):
    """A group whose arguments, when they name no subcommand, go to DEFAULT."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in self.commands if name != DEFAULT)


@click.group("enrich", cls=EnrichGroup)
def enrich_group() -> None:
    """Enrich library tracks and collection files from the music databases:
    `crateloop enrich [--pending|--all|ITEM…] [--wait] [--json]`, `enrich stats`,
    `enrich sources`."""


@enrich_group.command(DEFAULT, hidden=True)
@click.argument("items", nargs=-1, metavar="[ITEM]...")
@click.option("--pending", is_flag=True, help="Every item not enriched yet.")
@click.option("--all", "every", is_flag=True, help="Every item (what is known is skipped).")
@click.option("--wait", is_flag=True, help="Follow the job until it is finished.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the job as JSON (finished with --wait)."
)
def items_command(
    items: tuple[str, ...], pending: bool, every: bool, wait: bool, as_json: bool
) -> None:
    """Queue the enrichment of ITEMs (library:12, collection:7), --pending or --all items."""
    chosen = [
        given for given, on in (("ITEM", items), ("--pending", pending), ("--all", every)) if on
    ]
    if len(chosen) != 1:
        what = " and ".join(chosen) if chosen else "nothing"
        fail(
            f"items: name ITEMs (library:N or collection:N), --pending or --all, not {what}",
            EXIT_REFUSED,
        )
    which: Which = "pending" if pending else "all" if every else list(items)
    progress = running.run(lambda: _enrich(which, wait=wait, quiet=as_json))
    if as_json:
        click.echo(json.dumps(progress.to_json(), ensure_ascii=False, indent=2))


async def _enrich(which: Which, *, wait: bool, quiet: bool) -> job.EnrichmentJob:
    async with running.context() as context:
        try:
            started = await job.queue_enrichment(context, which)
        except InputError as error:
            fail(f"{error.field}: {error}", EXIT_REFUSED)
        if not quiet:
            click.echo(f"enrichment {started.job_id} queued: {started.text}")
        if not wait or started.finished:
            return started
        return await running.follow(
            started,
            lambda state: job.get_job(context.settings, context.redis, state.job_id),
            finished=lambda state: state.finished,
            untaken=lambda state: state.state is job.JobState.QUEUED,
            patience=context.settings.tracklists.worker_notice_seconds,
            counts=lambda state: (state.done, state.total),
            text=lambda state: state.text,
            quiet=quiet,
        )


@enrich_group.command("stats")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one object per kind (the API's shape)."
)
def stats_command(as_json: bool) -> None:
    """Coverage: the percent of library tracks and collection files with an ISRC, MBID, BPM,
    key, label and audio features, and how many are in each enrichment status."""
    found = running.run(_coverage)
    if as_json:
        shown = {kind.value: part.to_json() for kind, part in found.items()}
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    parts = list(found.values())
    rows = [("", *(part.kind.value for part in parts))]
    rows.append(("items", *(f"{part.items:,}" for part in parts)))
    rows += [
        (FACT_NAMES[fact], *(f"{part.percent[fact]:.1f} %" for part in parts))
        for fact in coverage.FACTS
    ]
    rows += [
        (status.replace("_", " "), *(f"{part.statuses.get(status, 0):,}" for part in parts))
        for status in parts[0].statuses
    ]
    _table(rows)


async def _coverage() -> dict[ItemKind, coverage.Coverage]:
    async with running.context() as context, context.reads() as session:
        return await coverage.coverage(session)


@enrich_group.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (the API's shape).")
def sources_command(as_json: bool) -> None:
    """Each music database: configured or not, its circuit breaker, calls, errors, cache hits."""
    found = running.run(_sources)
    if as_json:
        click.echo(json.dumps([s.to_json() for s in found], ensure_ascii=False, indent=2))
        return
    rows: list[tuple[str, ...]] = [
        ("source", "configured", "breaker", "calls", "errors", "cache hits", "note")
    ]
    for s in found:
        breaker = s.breaker.state.value.replace("_", "-")
        if s.breaker.open_until:
            breaker += f" until {s.breaker.open_until:%H:%M} UTC"
        if s.breaker.failures:
            breaker += f" ({s.breaker.failures} failures)"
        rate = s.counts.cache_hit_rate
        rows.append(
            (
                s.name,
                "yes" if s.configured else f"no: set {s.setting}",
                breaker,
                f"{s.counts.calls:,}",
                f"{s.counts.errors:,}",
                "—" if rate is None else f"{rate:.0%}",
                s.note,
            )
        )
    _table(rows)


async def _sources() -> list[sources.SourceStatus]:
    async with running.context() as context:
        return await sources.sources_status(context)


def _table(rows: list[tuple[str, ...]]) -> None:
    """Columns padded to their widest cell, the first left-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.ljust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        click.echo("  ".join(cells).rstrip())


COMMANDS: list[click.Command] = [enrich_group]
