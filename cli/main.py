"""`crateloop`: the one command-line entry point. Each command group lives in its own module.

Modules are imported only when their command runs: `crateloop run` and the worker should not pay
for SQLAlchemy, Redis and the domain code they never touch.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from cli.exits import EXIT_REFUSED, fail
from cli.local_run import LocalRun, fill_in, find_local_run, missing_servers
from domain.config import ConfigError, environment
from domain.var_dir import VAR_DIR

# `run` starts (or fails on) servers of its own; `env` reports the local run as it is.
OWN_SERVERS = ("run", "env")

# command name → module that exports it in COMMANDS
COMMAND_MODULES = {
    "run": "cli.processes",
    "web": "cli.processes",
    "worker": "cli.processes",
    "daemon": "cli.processes",
    "db": "cli.processes",
    "env": "cli.local_run",
    "mappings": "cli.loops",
    "loop": "cli.loops",
    "stats": "cli.loops",
    "loops": "cli.loops",
    "user": "cli.users",
    "token": "cli.users",
    "tracklists": "cli.tracklists",
    "cue": "cli.tracklists",
    "library": "cli.library",
    "want": "cli.want",
    "discovery": "cli.discovery",
    "collection": "cli.collection",
    "export": "cli.export",
    "enrich": "cli.enrich",
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
    local_run = None if _command_name() in OWN_SERVERS else _use_local_run()
    try:
        crateloop(prog_name="crateloop")
    except ConfigError as error:
        if local_run is not None and _for_lack_of_local_run(error, local_run):
            fail(local_run.status(), EXIT_REFUSED)
        fail(f"configuration error: {error}", EXIT_REFUSED)


def _command_name() -> str | None:
    return next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)


def _use_local_run() -> LocalRun:
    """Fill in the servers and key of a local run (`make run`) this folder has and the
    environment lacks: a second shell's commands find them by themselves."""
    found = find_local_run(VAR_DIR)
    os.environ.update(fill_in(environment(), found))
    return found


def _for_lack_of_local_run(error: ConfigError, found: LocalRun) -> bool:
    """True when `error` is a server or key missing only because `make run` is not running."""
    missing = missing_servers(environment())
    if not found.secret_key:
        missing.append("SECRET_KEY")
    return any(str(error).startswith(f"{name} is not set") for name in missing)
