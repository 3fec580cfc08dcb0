"""`crateloop`: the one command-line entry point. Each group lives in its own module."""

from __future__ import annotations

import sys

import click

from cli import loops, mappings, processes, users
from domain.config import ConfigError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def crateloop() -> None:
    """Video loops for internet radio restreams, and tracklist tools for DJs."""


for module in (processes, mappings, loops, users):
    for command in module.COMMANDS:
        crateloop.add_command(command)


def main() -> None:
    try:
        crateloop(prog_name="crateloop")
    except ConfigError as error:
        click.echo(f"crateloop: configuration error: {error}", err=True)
        sys.exit(2)
