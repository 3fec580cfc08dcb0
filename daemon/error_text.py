"""One short line for an error, as the daemon logs and stores it."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    """The first line of the error (the driver's own message for database errors)."""
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
