"""How a command fails: one line on stderr, `crateloop: …`, and an exit status scripts can test.

Light on purpose (click alone): `cli/main.py` uses it before any command module is imported.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_FAILED = 1  # anything else: a server, a job that failed, something not found
EXIT_REFUSED = 2  # the input was refused (an argument, a file's line, the configuration)
EXIT_BLOCKED = 3  # the site blocked us for now (the worker retries by itself)


def fail(message: str, status: int = EXIT_FAILED) -> NoReturn:
    """Say `message` on stderr and exit with `status`."""
    click.echo(f"crateloop: {message}", err=True)
    sys.exit(status)
