"""How far a candidate recording is from a DJ row, and what to do about it.

`score` is a weighted distance in the spirit of beets: each field compared gives a penalty 0..1,
the distance is sum(weight · penalty) / sum(weights of the fields compared), so a field one side
does not know (a duration, a label) neither helps nor hurts. What beets does not know is the
*version*: a named remix is another recording, and no closeness of the other fields makes up for
it (`Score.version_conflict` caps the decision at provisional). Numbers in titles are the other
trap: "Emotion 1" and "Emotion 2" differ by one letter and are two records.

`decide` turns the scores of a row's candidates into matched / provisional / unmatched / id.
The thresholds were calibrated on the labelled table in tests/library_labelled.py (see
bench/bench_matching.py for the precision and recall it gives).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz.distance import Indel

from domain.library.facts import TrackFacts, Version, comparison_key, normal_isrc

# Field weights (beets: title 3, artist 3, length 2); the version is what DJ titles add.
TITLE_WEIGHT = 3.0
PRIMARY_WEIGHT = 3.0
FEATURED_WEIGHT = 0.5
VERSION_WEIGHT = 3.0
DURATION_WEIGHT = 2.0
LABEL_WEIGHT = 0.5

# Durations: the same record is often a few seconds longer or shorter (fades, silences).
DURATION_GRACE = 10.0
DURATION_MAX = 30.0

# Decision thresholds.
STRONG = 0.04  # below: a strong match, accepted by itself when nothing else is close
RUNNER_UP_GAP = 0.05  # the runner-up must be at least this much further for an auto-accept
MEDIUM = 0.25  # up to here: provisional, a person decides

# Version penalties. Two generic cuts (Original vs Extended Mix) are one song, a little apart;
# a named remix against the original or another remixer's remix is another recording: its penalty
# is large but leaves the candidate reviewable (the conflict, not the distance, stops auto-accept).
GENERIC_CUT_PENALTY = 0.2
OTHER_RECORDING_PENALTY = 0.6
SAME_REMIXERS_OTHER_KIND_PENALTY = 0.4
# One side credits a featured artist the other leaves out: DJ rows often drop "feat.".
FEATURED_MISSING_PENALTY = 0.3
# Remixer names closer than this are the same people ("Âme" vs "Ame", "Dixon " vs "Dixon").
SAME_NAME = 0.2
# The least penalty of two names (titles, artists) that differ after folding: with it, a name one
# letter off is never auto-accepted, even with every field compared (3 · 0.2 / 12 > STRONG).
NEAR_NAME = 0.2
# Names further apart than this (after folding) are other names altogether: penalty 1.
UNRELATED = 0.5


@dataclass(frozen=True, slots=True)
class Score:
    """One candidate against one row: the distance, each field's penalty and what a person reads."""

    distance: float  # 0 identical .. 1 nothing alike
    penalties: dict[str, float]  # field → penalty 0..1, only the fields compared
    reasons: list[str]  # e.g. "≠ version (Truncate Remix vs original)"
    version_conflict: bool = False  # another recording: never auto-accepted
    confirmed_by_isrc: bool = False


class MatchState(StrEnum):
    MATCHED = "matched"
    PROVISIONAL = "provisional"
    UNMATCHED = "unmatched"
    ID = "id"  # the row is "ID": an unknown track, never searched


@dataclass(frozen=True, slots=True)
class Ranked:
    index: int  # the candidate's position in the sequence given to `decide`
    score: Score


@dataclass(frozen=True, slots=True)
class Decision:
    state: MatchState
    best: int | None  # index of the best candidate; None when there is none
    confidence: float  # 0..1: how sure the best candidate is the row's recording
    ranked: tuple[Ranked, ...] = ()  # every candidate, nearest first


def score(row: TrackFacts, candidate: TrackFacts) -> Score:
    """The weighted distance between a row and a candidate, with each field's penalty."""
    penalties: dict[str, float] = {}
    weights: dict[str, float] = {}
    reasons: list[str] = []

    def compare(field: str, weight: float, penalty: float, reason: str) -> None:
        penalties[field] = penalty
        weights[field] = weight
        if penalty > 0.05:
            reasons.append(reason)

    title = _title_penalty(row.title_base, candidate.title_base)
    compare("title", TITLE_WEIGHT, title, f"≠ title ({row.title_base} vs {candidate.title_base})")
    primary = _artists_penalty(row, candidate)
    compare("artists", PRIMARY_WEIGHT, primary, f"≠ artists ({row.artists} vs {candidate.artists})")
    if row.featured or candidate.featured:
        compare(
            "featured",
            FEATURED_WEIGHT,
            _featured_penalty(row, candidate),
            f"≠ featured ({_names(row.featured)} vs {_names(candidate.featured)})",
        )
    version, conflict = _version_penalty(row.version, candidate.version)
    compare(
        "version",
        VERSION_WEIGHT,
        version,
        f"≠ version ({_shown(row.version)} vs {_shown(candidate.version)})",
    )
    if row.duration is not None and candidate.duration is not None:
        compare(
            "duration",
            DURATION_WEIGHT,
            _duration_penalty(row.duration, candidate.duration),
            f"≠ duration ({_clock(row.duration)} vs {_clock(candidate.duration)})",
        )
    if row.label and candidate.label:
        compare(
            "label",
            LABEL_WEIGHT,
            _label_penalty(row.label, candidate.label),
            f"≠ label ({row.label} vs {candidate.label})",
        )
    distance = sum(weights[f] * penalties[f] for f in penalties) / sum(weights.values())
    return _with_isrc(row, candidate, Score(distance, penalties, reasons, conflict))


def decide(row: TrackFacts | None, candidates: Sequence[TrackFacts]) -> Decision:
    """What to do with a row given its candidates; `None` is an "ID" row."""
    if row is None:
        return Decision(MatchState.ID, None, 0.0)
    if not candidates:
        return Decision(MatchState.UNMATCHED, None, 0.0)
    ranked = tuple(
        sorted(
            (Ranked(i, score(row, c)) for i, c in enumerate(candidates)),
            key=lambda r: (r.score.distance, r.index),
        )
    )
    best = ranked[0].score
    runner_up = ranked[1].score.distance if len(ranked) > 1 else 1.0
    gap = runner_up - best.distance
    if best.distance < STRONG and gap >= RUNNER_UP_GAP and not best.version_conflict:
        state = MatchState.MATCHED
    elif best.distance <= MEDIUM:
        state = MatchState.PROVISIONAL
    else:
        state = MatchState.UNMATCHED
    return Decision(state, ranked[0].index, _confidence(best, gap), ranked)


def _confidence(best: Score, gap: float) -> float:
    """Closeness of the best candidate, lowered when a runner-up is near or the version differs."""
    separation = min(1.0, max(0.0, gap) / RUNNER_UP_GAP)
    confidence = (1.0 - best.distance) * (0.6 + 0.4 * separation)
    if best.version_conflict:
        confidence *= 0.7
    return round(max(0.0, min(1.0, confidence)), 3)


def _with_isrc(row: TrackFacts, candidate: TrackFacts, found: Score) -> Score:
    """An equal ISRC names the same recording; two different ones veto unless the song agrees."""
    ours, theirs = normal_isrc(row.isrc or ""), normal_isrc(candidate.isrc or "")
    if ours is None or theirs is None:
        return found
    if ours == theirs:
        return Score(0.0, found.penalties, found.reasons, confirmed_by_isrc=True)
    song_agrees = all(
        found.penalties.get(field, 0.0) <= 0.1 for field in ("title", "artists", "version")
    )
    reasons = [*found.reasons, f"≠ ISRC ({row.isrc} vs {candidate.isrc})"]
    if song_agrees:
        # One recording is often issued under several ISRCs (compilations, reissues).
        return Score(found.distance, found.penalties, reasons, found.version_conflict)
    return Score(1.0, {**found.penalties, "isrc": 1.0}, reasons, found.version_conflict)


# --- Fields ---

_NUMBERED = re.compile(r"\b\w*\d\w*\b")
_LEADING_THE = re.compile(r"^the ")
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")


@lru_cache(maxsize=65536)
def _key(text: str) -> str:
    return comparison_key(text)


def _name_distance(a: str, b: str) -> float:
    """0 for equal keys, 1 for nothing in common; names that differ after folding are at least
    NEAR_NAME apart: "Dennis Ferrer" and "Denis Ferrer" may be two people, a person decides."""
    if a == b:
        return 0.0
    distance = float(Indel.normalized_distance(a, b))
    # Unrelated names still share letters ("Pink Floyd" and "Telepopmusik" are 0.7 apart): past
    # UNRELATED they are simply other names, unless one holds the other whole ("Re-Rewind" and
    # "Re-Rewind (The Crowd Say Bo Selecta)").
    if distance > UNRELATED and f" {a} " not in f" {b} " and f" {b} " not in f" {a} ":
        return 1.0
    return max(NEAR_NAME, distance)


@lru_cache(maxsize=65536)
def _numbers(title: str) -> tuple[str, ...]:
    """The tokens of a title that hold a digit, "007" read as "7": a part, a side, a catalogue."""
    tokens = _NUMBERED.findall(_key(title))
    return tuple(sorted(str(int(t)) if t.isdigit() else t for t in tokens))


def _unpadded(key: str) -> str:
    """The key with numbers unpadded: "roadkill 07" reads as "roadkill 7"."""
    return _LEADING_ZEROS.sub("", key)


def _title_penalty(row: str, candidate: str) -> float:
    if _numbers(row) != _numbers(candidate):
        return 1.0  # "Emotion 1" is not "Emotion 2", however alike the letters
    return _name_distance(_unpadded(_key(row)), _unpadded(_key(candidate)))


def _artist_distance(a: str, b: str) -> float:
    # "The Chemical Brothers" is often written "Chemical Brothers".
    return _name_distance(_LEADING_THE.sub("", _key(a)), _LEADING_THE.sub("", _key(b)))


def _set_penalty(ours: Sequence[str], theirs: Sequence[str]) -> float:
    """Names compared as a set: the best one-to-one assignment, an unpaired name costs 1."""
    if not ours and not theirs:
        return 0.0
    if not ours or not theirs:
        return 1.0
    short, long = (ours, theirs) if len(ours) <= len(theirs) else (theirs, ours)
    costs = [[_artist_distance(s, t) for t in long] for s in short]
    if len(long) <= 6:
        best = min(
            sum(costs[i][j] for i, j in enumerate(chosen))
            for chosen in itertools.permutations(range(len(long)), len(short))
        )
    else:  # credits this long are rare: a greedy pairing is close enough
        best, free = 0.0, set(range(len(long)))
        for row in costs:
            j = min(free, key=lambda k: row[k])
            best += row[j]
            free.remove(j)
    penalty = (best + len(long) - len(short)) / len(long)
    # One name off among several is still a name off: never diluted below NEAR_NAME.
    return max(penalty, NEAR_NAME) if penalty > 0.0 else 0.0


def _artists_penalty(row: TrackFacts, candidate: TrackFacts) -> float:
    """Primary artists as a set; a row that credits a featured artist as a primary one (or the
    other way round) still agrees when everyone credited agrees."""
    primary = _set_penalty(row.primary, candidate.primary)
    if primary == 0.0:
        return primary
    everyone = _set_penalty(row.primary + row.featured, candidate.primary + candidate.featured)
    # A group kept whole on one side and split on the other ("Above & Beyond").
    whole = _artist_distance(" & ".join(row.primary), " & ".join(candidate.primary))
    return min(primary, everyone, whole)


def _featured_penalty(row: TrackFacts, candidate: TrackFacts) -> float:
    everyone = _set_penalty(row.primary + row.featured, candidate.primary + candidate.featured)
    if everyone <= 0.05:
        return 0.0
    if not row.featured or not candidate.featured:
        return FEATURED_MISSING_PENALTY
    return _set_penalty(row.featured, candidate.featured)


def _version_penalty(row: Version, candidate: Version) -> tuple[float, bool]:
    """The penalty and whether the two are different recordings."""
    if row.generic and candidate.generic:
        same_cut = _generic_cut(row) == _generic_cut(candidate)
        return (0.0 if same_cut else GENERIC_CUT_PENALTY), False
    if row.generic or candidate.generic:
        return OTHER_RECORDING_PENALTY, True
    if row.remixers or candidate.remixers:
        remixers = _set_penalty(row.remixers, candidate.remixers)
        if remixers > SAME_NAME:
            return OTHER_RECORDING_PENALTY, True
    else:  # a VIP, a live or an instrumental cut by the artist: the kind tells them apart
        remixers = 0.0
    if row.kind is not candidate.kind:
        return SAME_REMIXERS_OTHER_KIND_PENALTY, True
    return remixers, False


# Words that do not tell one generic cut from another ("Radio Edit" = "Radio Mix" = "Radio";
# a remaster, "2012 Remaster" included, is the original recording).
_GENERIC_NAMES = re.compile(r"\b(original|mix|version|edit|the|remaster(ed)?|\d{4})\b")


def _generic_cut(version: Version) -> str:
    """The cut a generic version names: "" for "Original Mix", "Original" and no version at all;
    "extended" for "Extended Mix"."""
    return " ".join(_GENERIC_NAMES.sub(" ", _key(version.text)).split())


def _duration_penalty(row: float, candidate: float) -> float:
    off = abs(row - candidate) - DURATION_GRACE
    return min(1.0, max(0.0, off / (DURATION_MAX - DURATION_GRACE)))


def _label_penalty(row: str, candidate: str) -> float:
    # "Anjunadeep" and "Anjunadeep Records" are one label: compare the shorter within the longer.
    a, b = sorted((_key(row), _key(candidate)), key=len)
    if a and (b.startswith(a + " ") or b == a):
        return 0.0
    return float(Indel.normalized_distance(a, b))


# --- What a person reads ---


def _shown(version: Version) -> str:
    return version.text or ("original" if version.generic else version.kind.value)


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) or "none"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def clear_caches() -> None:
    """Forget the comparison keys computed so far (for measuring a cold start)."""
    _key.cache_clear()
    _numbers.cache_clear()
