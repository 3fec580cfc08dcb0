"""The comparison key every library stage compares names by (domain/library/facts.py)."""

from __future__ import annotations

import pytest

from domain.library.facts import ORIGINAL, Version, VersionKind, comparison_key

SAME = [
    ("Röyksopp", "ROYKSOPP"),
    ("Chemical Brothers, The", "The Chemical Brothers"),
    ("Don\u2019t Stop", "Don't Stop"),
    ("Above & Beyond", "Above and Beyond"),
    ("Beyoncé", "Beyonce"),
    ("\uff21\uff22\uff23", "abc"),  # full-width letters (NFKC)
    ("Sigur  Rós", "sigur ros"),
    ("AC/DC", "AC DC"),
]
DIFFERENT = [
    ("Emotion 1", "Emotion 2"),
    ("The The", "The"),
    ("Кино", "Кислород"),
]


@pytest.mark.parametrize(("one", "other"), SAME)
def test_names_written_differently_have_one_key(one: str, other: str) -> None:
    assert comparison_key(one) == comparison_key(other)


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert comparison_key(one) != comparison_key(other)


def test_other_scripts_keep_a_key() -> None:
    assert comparison_key("Кино") == "kino"
    assert comparison_key("坂本龍一") != ""


def test_only_the_original_and_generic_cuts_are_generic() -> None:
    assert ORIGINAL.generic and Version(VersionKind.ORIGINAL, text="Extended Mix").generic
    assert not Version(VersionKind.REMIX, ("Four Tet",), "Four Tet Remix").generic
