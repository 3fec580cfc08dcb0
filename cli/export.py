"""`crateloop export rekordbox|m3u [--query Q] -o FILE`: the collection (or what a search finds)
as a playlist DJ software imports (issue 12 §5; domain/collection/exports.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cli import running
from cli.exits import EXIT_REFUSED, fail
from domain.collection import exports, search
from domain.collection.browse import browse_all
from domain.collection.query import parse
from domain.collection.record import CollectionEntry

F = TypeVar("F", bound=Callable[..., Any])
EVERYTHING = 10_000_000  # the whole collection: no cap a DJ's folder could reach


@click.group("export")
def export_group() -> None:
    """Playlists for DJ software: Rekordbox XML (with BPM and key) or M3U8."""


def _options(command: F) -> F:
    """The options both formats take."""
    for option in reversed(
        [
            click.option("--query", default="", help="Only what this search finds, best first."),
            click.option(
                "--path-map",
                multiple=True,
                metavar="FROM=TO",
                help="Show paths under FROM as under TO (the music folder as the DJ's computer"
                " mounts it); repeatable.",
            ),
            click.option(
                "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path)
            ),
        ]
    ):
        command = option(command)
    return command


@export_group.command("rekordbox")
@click.option("--name", default="crateloop", show_default=True, help="The playlist's name.")
@_options
def rekordbox_command(name: str, query: str, path_map: tuple[str, ...], output: Path) -> None:
    """Write a Rekordbox collection XML (File → Import in Rekordbox)."""
    tracks = [exports.export_track(entry) for entry in _entries(query)]
    data = exports.rekordbox_xml(tracks, playlist=name, path_map=_path_map(path_map))
    output.write_bytes(data)
    click.echo(f"wrote {len(tracks)} tracks to {output}", err=True)


@export_group.command("m3u")
@_options
def m3u_command(query: str, path_map: tuple[str, ...], output: Path) -> None:
    """Write an M3U8 playlist (Serato, Traktor and most players read it)."""
    tracks = [exports.export_track(entry) for entry in _entries(query)]
    output.write_text(exports.m3u8(tracks, path_map=_path_map(path_map)), encoding="utf-8")
    click.echo(f"wrote {len(tracks)} tracks to {output}", err=True)


def _path_map(pairs: tuple[str, ...]) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for pair in pairs:
        here, sign, there = pair.partition("=")
        if not sign or not here.strip() or not there.strip():
            fail(
                f"path-map: {pair!r} is not FROM=TO (e.g. /srv/music=/Users/dj/Music)",
                EXIT_REFUSED,
            )
        mapped[here.strip()] = there.strip()
    return mapped


def _entries(query: str) -> list[CollectionEntry]:
    """What a search finds (at most search.COUNT_CAP files), else every file still on disk."""
    read = parse(query)
    if query.strip() and read.tsquery is None:
        fail(f"query: {read.message}", EXIT_REFUSED)
    most = search.COUNT_CAP if query.strip() else EVERYTHING
    return running.run(lambda: _found(query, most))


async def _found(query: str, most: int) -> list[CollectionEntry]:
    async with running.context() as context:
        return await browse_all(context.reads, query, most=most)


COMMANDS: list[click.Command] = [export_group]
