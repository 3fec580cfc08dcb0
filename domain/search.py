"""Word search over a text-search column, shared by every listing with a search box, and the
weighted vector the collection stores (its query language: domain/collection/query.py)."""

from __future__ import annotations


def search_query(term: str) -> str | None:
    """A prefix tsquery over the words of `term` ("daft pu" → "daft:* & pu:*")."""
    words = "".join(ch if ch.isalnum() else " " for ch in term.casefold()).split()
    return " & ".join(f"{word}:*" for word in words[:8]) or None


def weighted_vector(title_artist: str, album_label: str, genre: str) -> str:
    """The SQL of the stored search vector over three SQL expressions of folded text: A = title
    and artist, B = album and label, C = genre (the collection's STORED column)."""
    return " || ".join(
        f"setweight(to_tsvector('simple', coalesce({text}, '')), '{weight}')"
        for text, weight in ((title_artist, "A"), (album_label, "B"), (genre, "C"))
    )


def heavy_vector(title_artist: str) -> str:
    """The SQL of the collection's stored title-and-artist vector: the A part of
    `weighted_vector` on its own, indexed on its own (domain/collection/search.py's first tier)."""
    return f"to_tsvector('simple', coalesce({title_artist}, ''))"
