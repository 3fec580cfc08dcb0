"""`crateloop`: the one command-line entry point. Each command group lives in its own module.

Modules are imported only when their command runs: `crateloop run` and the worker should not pay
for SQLAlchemy, Redis and the domain code they never touch.
"""

from __future__ import annotations

import importlib
import sys

import click

from domain.config import ConfigError

# command name → module that exports it in COMMANDS
COMMAND_MODULES = {
    "run": "cli.processes",
    "web": "cli.processes",
    "worker": "cli.processes",
    "daemon": "cli.processes",
    "db": "cli.processes",
    "mappings": "cli.loops",
    "loop": "cli.loops",
    "stats": "cli.loops",
    "loops": "cli.loops",
    "user": "cli.users",
    "token": "cli.users",
    "tracklists": "cli.tracklists",
    "cue": "cli.tracklists",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(module_name)
        commands: list[click.Command] = module.COMMANDS
        return next(command for command in commands if command.name == cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def crateloop() -> None:
    """Video loops for internet radio restreams, and tracklist tools for DJs."""


def main() -> None:
    try:
        crateloop(prog_name="crateloop")
    except ConfigError as error:
        click.echo(f"crateloop: configuration error: {error}", err=True)
        sys.exit(2)
