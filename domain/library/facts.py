"""What is known of one recording: the shape a DJ row is read into (`reading.py`), an outside
database's answer is put into (`musicbrainz.py`, `discogs.py`), and the scorer compares
(`scoring.py`). Also the comparison key every one of them compares names by.

A *version* is what tells two recordings of one song apart: "Strobe (Original Mix)" and "Strobe"
are one record (a generic version), "Opus (Four Tet Remix)" is not "Opus".
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum

from unidecode import unidecode

from domain.validation import InputError


class VersionKind(StrEnum):
    # The original or a generic cut of it: Original / Extended / Radio / Club / Main / Dub-less
    # Mix, a radio edit, a remaster. Generic versions of one song are near-equal.
    ORIGINAL = "original"
    # Another recording, made by its remixers (or the artist, for VIP and live).
    REMIX = "remix"
    EDIT = "edit"
    REWORK = "rework"
    BOOTLEG = "bootleg"
    DUB = "dub"
    VIP = "vip"
    LIVE = "live"
    INSTRUMENTAL = "instrumental"


@dataclass(frozen=True, slots=True)
class Version:
    kind: VersionKind = VersionKind.ORIGINAL
    remixers: tuple[str, ...] = ()
    text: str = ""  # as written, e.g. "Extended Mix", "Truncate Remix"; "" when none was given

    @property
    def generic(self) -> bool:
        """The original or a generic cut of it (no other recording)."""
        return self.kind is VersionKind.ORIGINAL


ORIGINAL = Version()


@dataclass(frozen=True, slots=True)
class TrackFacts:
    """One recording as a row names it or a database knows it; None: not known."""

    artists: str  # as displayed, e.g. "Bicep feat. Clara La San"
    primary: tuple[str, ...]  # the main artists, e.g. ("Bicep",)
    featured: tuple[str, ...]  # e.g. ("Clara La San",)
    title: str  # as displayed, version included, e.g. "Apricots (Extended Mix)"
    title_base: str  # the song, e.g. "Apricots"
    version: Version = ORIGINAL
    duration: float | None = None  # seconds
    label: str | None = None
    isrc: str | None = None


# Apostrophes, quotes and dashes people and databases write differently; other punctuation goes.
_SAME = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark, the typographer's apostrophe
        "\u2018": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_THE_AFTER = re.compile(r"^(?P<name>.+), the$")


def comparison_key(text: str) -> str:
    """`text` as names are compared: NFKC, accents folded, case folded, punctuation and the
    apostrophe variants unified, and "X, The" read as "The X".

    >>> comparison_key("Röyksopp") == comparison_key("ROYKSOPP")
    True
    >>> comparison_key("Chemical Brothers, The") == comparison_key("The Chemical Brothers")
    True
    """
    folded = unicodedata.normalize("NFKC", text).translate(_SAME)
    # unidecode writes other scripts in Latin letters ("Кино" → "Kino"), so a Cyrillic or
    # Japanese name keeps a key rather than becoming empty.
    folded = unidecode(folded).casefold().strip()
    folded = _SPACES.sub(" ", folded)
    moved = _THE_AFTER.match(folded)
    if moved:
        folded = f"the {moved.group('name')}"
    folded = folded.replace("'", "").replace("&", " and ")
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", folded)).strip()


def normal_isrc(text: str) -> str | None:
    """An ISRC in its 12-character form ("gb-aht-13-00001" → "GBAHT1300001"), written with or
    without dashes and spaces, in either case; None when `text` is no ISRC."""
    isrc = text.replace("-", "").replace(" ", "").upper()
    return isrc if _ISRC.fullmatch(isrc) else None


def musicbrainz_id(field: str, text: str) -> str:
    """A MusicBrainz id (a UUID, any case) in its canonical form; InputError naming `field`."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise InputError(field, f"{text[:40]!r} is no MusicBrainz id (a UUID)") from None
