"""The User-Agent every outbound client sends: who we are, where to read about us, and how to
reach the operator (1001tracklists asks for honesty, MusicBrainz for a contact, Discogs for one)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

PROJECT_URL = "https://github.com/crateloop/crateloop"


def user_agent(contact: str) -> str:
    """`crateloop/<version> (+<project URL>; <contact>)`, the contact left out when not set."""
    try:
        release = version("crateloop")
    except PackageNotFoundError:
        release = "dev"
    where = f"+{PROJECT_URL}" + (f"; {contact}" if contact else "")
    return f"crateloop/{release} ({where})"
