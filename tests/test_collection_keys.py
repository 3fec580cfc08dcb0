"""Keys in every notation: the 24 keys both ways, every spelling family, and the mixing wheel."""

from __future__ import annotations

import pytest

from domain.collection.keys import KEYS, camelot, compatible, key_of, parse_key

# Written out by hand from the Camelot and Open Key wheels, not computed: (Camelot, Open Key,
# name, TKEY spelling, an enharmonic or other spelling of the same key).
WHEEL = [
    ("1A", "6m", "Ab minor", "Abm", "G#m"),
    ("2A", "7m", "Eb minor", "Ebm", "D#m"),
    ("3A", "8m", "Bb minor", "Bbm", "A#m"),
    ("4A", "9m", "F minor", "Fm", "E#m"),
    ("5A", "10m", "C minor", "Cm", "B#m"),
    ("6A", "11m", "G minor", "Gm", "g"),
    ("7A", "12m", "D minor", "Dm", "d"),
    ("8A", "1m", "A minor", "Am", "a"),
    ("9A", "2m", "E minor", "Em", "Fbm"),
    ("10A", "3m", "B minor", "Bm", "Cbm"),
    ("11A", "4m", "F# minor", "F#m", "Gbm"),
    ("12A", "5m", "Db minor", "Dbm", "C#m"),
    ("1B", "6d", "B major", "B", "Cb"),
    ("2B", "7d", "F# major", "F#", "Gb"),
    ("3B", "8d", "Db major", "Db", "C#"),
    ("4B", "9d", "Ab major", "Ab", "G#"),
    ("5B", "10d", "Eb major", "Eb", "D#"),
    ("6B", "11d", "Bb major", "Bb", "A#"),
    ("7B", "12d", "F major", "F", "E#"),
    ("8B", "1d", "C major", "C", "B#"),
    ("9B", "2d", "G major", "G", "G maj"),
    ("10B", "3d", "D major", "D", "D major"),
    ("11B", "4d", "A major", "A", "Amaj"),
    ("12B", "5d", "E major", "E", "Fb"),
]


def test_the_table_holds_each_of_the_24_keys_once() -> None:
    assert len(KEYS) == 24
    assert sorted(k.camelot for k in KEYS) == sorted(row[0] for row in WHEEL)
    assert len({k.open_key for k in KEYS}) == 24
    assert len({k.name for k in KEYS}) == 24


@pytest.mark.parametrize(("code", "open_key", "name", "tkey", "other"), WHEEL)
def test_every_key_both_ways(code: str, open_key: str, name: str, tkey: str, other: str) -> None:
    for spelling in (code, f"0{code}" if len(code) == 2 else code, code.lower(), open_key, name):
        key = parse_key(spelling)
        assert key is not None, spelling
        assert (key.camelot, key.open_key, key.name, key.short) == (code, open_key, name, tkey)
    for spelling in (tkey, other):
        assert camelot(spelling) == code, spelling
    tonic, mode = name.split()
    assert key_of(tonic, mode) == parse_key(code)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        # How DJs and tags write A minor.
        ("A minor", "8A"),
        ("A Minor", "8A"),
        ("A MINOR", "8A"),
        ("Am", "8A"),
        ("A min", "8A"),
        ("Amin", "8A"),
        ("a", "8A"),
        ("am", "8A"),
        ("  A   minor ", "8A"),
        ("A-minor", "8A"),
        # Sharps and flats in every script, and enharmonics.
        ("C#m", "12A"),
        ("Dbm", "12A"),
        ("C♯m", "12A"),
        ("D♭m", "12A"),
        ("C sharp minor", "12A"),
        ("D-flat minor", "12A"),
        ("Db Minor", "12A"),
        ("c#", "12A"),
        ("F#", "2B"),
        ("Gb", "2B"),
        ("F♯", "2B"),
        ("G♭ major", "2B"),
        ("Gb maj", "2B"),
        ("F# Major", "2B"),
        ("bb", "3A"),
        ("Bb", "6B"),
        ("b", "10A"),
        ("B", "1B"),
        # Camelot and Open Key codes.
        ("8A", "8A"),
        ("08A", "8A"),
        ("8a", "8A"),
        ("8 A", "8A"),
        ("12B", "12B"),
        ("1m", "8A"),
        ("1d", "8B"),
        ("01m", "8A"),
        ("6m", "1A"),
        ("12d", "7B"),
        # Two notations that agree, as Mixed In Key and hand-edited tags write them.
        ("8A - Am", "8A"),
        ("8A/Am", "8A"),
        ("Am / 1m", "8A"),
        ("12A - Db minor", "12A"),
        ("Gb | F#", "2B"),
        ("E-flat minor - 2A", "2A"),
        # Full-width and other compatibility forms are read after NFKC.
        ("\uff18\uff21", "8A"),  # full-width "8A"
    ],
)
def test_spellings(spelling: str, code: str) -> None:
    assert camelot(spelling) == code


@pytest.mark.parametrize(
    "spelling",
    [
        None,
        "",
        "   ",
        "o",  # TKEY: off-key
        "O",
        "AM",  # chord notation's C major or an upper-cased "Am": ambiguous, so unknown
        "A M",
        "H",
        "H minor",
        "13A",
        "0A",
        "8C",
        "13m",
        "1x",
        "A##",
        "Abb",
        "A minor major",
        "A dorian",
        "128 BPM",
        "unknown",
        "\x00",
        "8A" * 200,
        "8A - Bm",  # two notations that disagree
        "8A - 6",  # Mixed In Key's energy level is not a key
        "8A/",
        "/",
        " - ",
    ],
)
def test_unknown_spellings_read_as_none(spelling: str | None) -> None:
    assert parse_key(spelling) is None
    assert camelot(spelling) is None
    assert compatible(spelling) == set()


def test_essentia_names_read_the_same_as_tags() -> None:
    assert key_of("A", "minor") == parse_key("Am")
    assert key_of("C#", "minor") == parse_key("12A")
    assert key_of("Ab", "major") == parse_key("4B")
    assert key_of("A", "dorian") is None
    assert key_of("X", "minor") is None


@pytest.mark.parametrize(
    ("code", "mixes"),
    [
        ("8A", {"8A", "7A", "9A", "8B"}),
        ("8B", {"8B", "7B", "9B", "8A"}),
        ("1A", {"1A", "12A", "2A", "1B"}),
        ("12B", {"12B", "11B", "1B", "12A"}),
        ("Am", {"8A", "7A", "9A", "8B"}),  # any spelling goes in; Camelot codes come out
        ("1d", {"8B", "7B", "9B", "8A"}),
    ],
)
def test_compatible_keys(code: str, mixes: set[str]) -> None:
    assert compatible(code) == mixes


def test_compatibility_is_symmetric_over_the_whole_wheel() -> None:
    for key in KEYS:
        for other in compatible(key.camelot):
            assert key.camelot in compatible(other), (key.camelot, other)
        assert len(compatible(key.camelot)) == 4


def test_a_fifth_up_is_one_step_up() -> None:
    # DESIGN.md §11: +1 on the wheel is a fifth up: A minor → E minor, C major → G major.
    assert parse_key("9A") == parse_key("E minor")
    assert parse_key("9B") == parse_key("G major")
