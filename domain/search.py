"""Word search over a text-search column, shared by every listing with a search box."""

from __future__ import annotations


def search_query(term: str) -> str | None:
    """A prefix tsquery over the words of `term` ("daft pu" → "daft:* & pu:*")."""
    words = "".join(ch if ch.isalnum() else " " for ch in term.casefold()).split()
    return " & ".join(f"{word}:*" for word in words[:8]) or None
