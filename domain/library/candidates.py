"""What an outside database proposes for one row: the recording's facts and where they came from.

MusicBrainz and Discogs answers both become `Candidate`s (musicbrainz.py, discogs.py); the scorer
compares `facts` with the row's and keeps the ids, so a matched track can be looked up again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from domain.library.facts import ORIGINAL, TrackFacts, Version, VersionKind

_REMIX = re.compile(r"^(?P<base>.+?)\s*\((?P<remixers>[^()]+?)\s+remix\)$", re.IGNORECASE)


class Source(StrEnum):
    MUSICBRAINZ = "musicbrainz"
    DISCOGS = "discogs"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One recording (on one release) as a database knows it; None: the database did not say."""

    facts: TrackFacts
    source: Source
    recording_id: str | None = None  # MusicBrainz recording MBID
    release_id: str | None = None  # MusicBrainz release MBID or Discogs release id
    release_title: str | None = None
    release_date: str | None = None  # as precise as known: "1999", "1999-03" or "1999-03-12"
    catalogue_number: str | None = None
    isrcs: tuple[str, ...] = ()  # every ISRC the database lists (facts.isrc is the first)


def simple_version(title: str) -> tuple[str, Version]:
    """A database title's trailing "(X remix)" split off ("Opus (Four Tet remix)" → "Opus", a
    remix by Four Tet); any other title is its own base. The matching pipeline reads every title
    again with reading.py, which knows the DJ spellings; this is only a first reading."""
    found = _REMIX.match(title)
    if not found:
        return title, ORIGINAL
    remixers = found.group("remixers").strip()
    return found.group("base"), Version(VersionKind.REMIX, (remixers,), f"{remixers} remix")
