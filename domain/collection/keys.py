"""Musical keys in every notation DJs meet: one table, key + mode → Camelot and Open Key, and back.

Camelot: 8A = A minor, 8B = C major, one step up the wheel is a fifth up (9A = E minor). Open Key:
the Camelot number + 5 (wrapping at 12), `m` minor, `d` major, so 8A = 1m and 8B = 1d
(docs/architecture.md, DESIGN.md §11). An unknown spelling reads as None, never an exception: a bad
key tag must degrade to "unknown", not stop a scan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Mode = Literal["minor", "major"]


@dataclass(frozen=True, slots=True)
class Key:
    """One of the 24 keys, with its place on the Camelot wheel and in Open Key."""

    camelot: str  # "8A"
    open_key: str  # "1m"
    tonic: str  # "A", spelled as the Camelot wheel spells it ("Db", "F#")
    mode: Mode

    @property
    def name(self) -> str:
        """ "A minor", "F# major": how pages and the analysis name a key."""
        return f"{self.tonic} {self.mode}"

    @property
    def short(self) -> str:
        """ "Am", "F#": the TKEY and Rekordbox `Tonality` spelling."""
        return self.tonic + ("m" if self.mode == "minor" else "")


# The Camelot wheel: number → (minor tonic, major tonic). The one table every notation comes from.
_WHEEL: dict[int, tuple[str, str]] = {
    1: ("Ab", "B"),
    2: ("Eb", "F#"),
    3: ("Bb", "Db"),
    4: ("F", "Ab"),
    5: ("C", "Eb"),
    6: ("G", "Bb"),
    7: ("D", "F"),
    8: ("A", "C"),
    9: ("E", "G"),
    10: ("B", "D"),
    11: ("F#", "A"),
    12: ("Db", "E"),
}

_NATURALS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _open_key_number(camelot_number: int) -> int:
    return (camelot_number + 5 - 1) % 12 + 1


def _pitch_class(tonic: str) -> int:
    shift = {"": 0, "#": 1, "b": -1}[tonic[1:]]
    return (_NATURALS[tonic[0]] + shift) % 12


def _build() -> tuple[Key, ...]:
    keys = []
    for number, (minor, major) in _WHEEL.items():
        open_number = _open_key_number(number)
        keys.append(Key(f"{number}A", f"{open_number}m", minor, "minor"))
        keys.append(Key(f"{number}B", f"{open_number}d", major, "major"))
    return tuple(keys)


KEYS: tuple[Key, ...] = _build()
_BY_CAMELOT = {key.camelot: key for key in KEYS}
_BY_OPEN_KEY = {key.open_key: key for key in KEYS}
# Enharmonic spellings meet here: C# minor and Db minor are the same pitch class and mode.
_BY_PITCH = {(_pitch_class(key.tonic), key.mode): key for key in KEYS}

_CAMELOT = re.compile(r"0?(1[0-2]|[1-9]) ?([ab])")
_OPEN_KEY = re.compile(r"0?(1[0-2]|[1-9]) ?([md])")
# A note name: letter, accidental, mode. The letter's case matters (a lone "a" is A minor), the
# rest is compared casefolded, after ♯/♭ and "sharp"/"flat" are turned into # and b.
_NOTE = re.compile(r"([A-Ga-g]) ?(#|b)? ?(m|min|minor|maj|major|M)?")
_WORDS = (
    (re.compile("♯|sharp", re.I), "#"),
    (re.compile("♭|flat", re.I), "b"),
    (re.compile("[-_]"), " "),
)
# Between two notations of one key: "8A - Am", "8A/Am", "Am, 8A" (not the dash of "E-flat").
_BOTH = re.compile(r"\s*[/,|]\s*|\s+-\s+")
_LONE_M = re.compile(r"(?<![A-Za-z])M$")


def parse_key(text: str | None) -> Key | None:
    """The key a tag or a person spells ("Am", "A minor", "C#m", "D♭ minor", "8A", "1m", or two
    that agree, "8A - Am", "8A/Am"), or None when the text is not one of the spellings DJs and
    tags use (TKEY's "o", off-key, included)."""
    if not text:
        return None
    text = unicodedata.normalize("NFKC", text)
    parts = _BOTH.split(text.strip())
    if len(parts) > 1:
        # Mixed In Key and hand-edited tags carry two notations; read them only when they agree.
        keys = {_parse_one(part) for part in parts}
        return keys.pop() if len(keys) == 1 else None
    return _parse_one(text)


def _parse_one(text: str) -> Key | None:
    cleaned = " ".join(text.split())
    for pattern, replacement in _WORDS:
        cleaned = pattern.sub(replacement, cleaned)
    cleaned = " ".join(cleaned.split())
    lowered = cleaned.lower()
    if match := _CAMELOT.fullmatch(lowered):
        return _BY_CAMELOT[f"{int(match[1])}{match[2].upper()}"]
    if match := _OPEN_KEY.fullmatch(lowered):
        return _BY_OPEN_KEY[f"{int(match[1])}{match[2]}"]
    return _parse_note(cleaned)


def _parse_note(cleaned: str) -> Key | None:
    # Accidental and mode words are case-blind ("A MINOR", "Bb Maj"); only the letter and a lone
    # "M" keep their case. Lower-case the tail, except that lone "M".
    head, tail = cleaned[:1], cleaned[1:]
    if not _LONE_M.search(tail):
        tail = tail.lower()
    match = _NOTE.fullmatch(head + tail)
    if match is None:
        return None
    letter, accidental, mode_word = match[1], match[2] or "", match[3]
    if mode_word == "M":
        # "AM" is C-major chord notation to some and an upper-cased "Am" to others: unknown.
        return None
    mode: Mode
    if mode_word is None:
        # TKEY and classical usage: "A" is A major, a lone lower-case "a" is A minor.
        mode = "minor" if letter.islower() else "major"
    else:
        mode = "minor" if mode_word.startswith("m") and not mode_word.startswith("maj") else "major"
    tonic = letter.upper() + accidental
    return _BY_PITCH[(_pitch_class(tonic), mode)]


def key_of(tonic: str, mode: str) -> Key | None:
    """The key essentia names as (`"A"`, `"minor"`), or None for anything else."""
    if mode not in ("minor", "major"):
        return None
    return parse_key(f"{tonic} {mode}")


def camelot(text: str | None) -> str | None:
    """The Camelot code of any spelling parse_key reads ("Am" → "8A"), or None."""
    key = parse_key(text)
    return key.camelot if key else None


def compatible(code: str | None) -> set[str]:
    """The Camelot codes that mix with `code` (any spelling): itself, one step either way on the
    wheel (12 and 1 are neighbours) and its relative major or minor. Empty when unknown."""
    key = parse_key(code)
    if key is None:
        return set()
    number, letter = int(key.camelot[:-1]), key.camelot[-1]
    other = "B" if letter == "A" else "A"
    below = (number - 2) % 12 + 1
    above = number % 12 + 1
    return {key.camelot, f"{below}{letter}", f"{above}{letter}", f"{number}{other}"}
