"""Matching precision and recall on the labelled table, beside plain string distances; and the
time to score 100 rows against 50 candidates each.

The table is tests/library_labelled.py (real DJ rows, the recordings MusicBrainz returns for
them, the truth). Every matcher decides with the same thresholds (auto-accept below
`scoring.STRONG` with the runner-up `scoring.RUNNER_UP_GAP` further); what differs is the
distance:
- ours: `domain.library.scoring.score`, version-aware;
- plain: 1 - RapidFuzz ratio of the "artist - title" display strings (comparison keys);
- beets: beets' own track distance (its `string_dist` on title (3) and artist (2), length (2)
  with 10 s grace and 30 s max), which weighs bracketed text, the version, at 0.3.

Precision: right auto-accepts / auto-accepts. Recall: right auto-accepts / rows whose recording
is among the candidates. "ID" rows are not counted: they are never searched.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel, Levenshtein
from unidecode import unidecode

from bench.common import Result, millis, percentile
from domain.config import Settings
from domain.library import scoring
from domain.library.facts import TrackFacts, comparison_key
from domain.library.scoring import MatchState, decide
from tests.library_labelled import CASES, Case

Distance = Callable[[TrackFacts, TrackFacts], float]
ROWS, CANDIDATES, RUNS = 100, 50, 20


@dataclass(frozen=True, slots=True)
class Tally:
    accepted: int
    right: int
    findable: int  # rows whose recording is among the candidates

    @property
    def precision(self) -> float:
        return self.right / self.accepted if self.accepted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.findable

    def shown(self) -> str:
        wrong = self.accepted - self.right
        return (
            f"precision {self.precision:.3f} ({self.right}/{self.accepted}, {wrong} wrong),"
            f" recall {self.recall:.3f} ({self.right}/{self.findable})"
        )


def run(settings: Settings) -> list[Result]:
    searched = [c for c in CASES if c.row is not None]
    ours = tally_ours(searched)
    plain = tally_baseline(searched, plain_distance)
    beets = tally_baseline(searched, beets_distance)
    size = f"{len(searched)} rows, {sum(len(c.candidates) for c in searched)} candidates"
    cold, warm = time_scoring(searched)
    return [
        Result(
            f"version-aware score + decide ({size})",
            ours.shown(),
            "precision ≥ 0.99",
            ours.precision >= 0.99,
        ),
        Result(
            "plain ratio on 'artist - title', same thresholds", plain.shown(), "(reference)", True
        ),
        Result(
            "beets track distance (string_dist), same thresholds",
            beets.shown(),
            "(reference)",
            True,
        ),
        Result(
            f"decide() for {ROWS} rows x {CANDIDATES} candidates, cold / warm key cache p50",
            f"{millis(cold)} / {millis(warm)}",
            "≤ 250 ms",
            cold <= 0.25,
        ),
    ]


def tally_ours(cases: Sequence[Case]) -> Tally:
    accepted = right = 0
    for case in cases:
        decision = decide(case.row, case.candidates)
        if decision.state is MatchState.MATCHED:
            accepted += 1
            right += decision.best == case.truth
    return Tally(accepted, right, sum(c.truth is not None for c in cases))


def tally_baseline(cases: Sequence[Case], distance: Distance) -> Tally:
    """The same decision rule as `decide`, on another distance (no version conflict to cap it)."""
    accepted = right = 0
    for case in cases:
        assert case.row is not None
        row = case.row
        ranked = sorted((distance(row, c), i) for i, c in enumerate(case.candidates))
        if not ranked:
            continue
        best, index = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 1.0
        if best < scoring.STRONG and runner_up - best >= scoring.RUNNER_UP_GAP:
            accepted += 1
            right += index == case.truth
    return Tally(accepted, right, sum(c.truth is not None for c in cases))


def plain_distance(row: TrackFacts, candidate: TrackFacts) -> float:
    shown = [comparison_key(f"{t.artists} - {t.title}") for t in (row, candidate)]
    return float(Indel.normalized_distance(*shown))


# --- beets' distance (beets/autotag/hooks.py: string_dist; track_distance's weights) ---

_SD_END_WORDS = ("the", "a", "an")
_SD_PATTERNS = (
    (r"^the ", 0.1),
    (r"[\[\(]?(ep|single)[\]\)]?", 0.0),
    (r"[\[\(]?(featuring|feat|ft)[\. :].+", 0.1),
    (r"\(.*?\)", 0.3),
    (r"\[.*?\]", 0.3),
    (r"(, )?(pt\.|part) .+", 0.2),
)


def _beets_basic(one: str, other: str) -> float:
    one = re.sub(r"[^a-z0-9]", "", unidecode(one).lower())
    other = re.sub(r"[^a-z0-9]", "", unidecode(other).lower())
    if not one and not other:
        return 0.0
    return Levenshtein.distance(one, other) / max(len(one), len(other))


def string_dist(one: str, other: str) -> float:
    one, other = one.lower(), other.lower()
    for word in _SD_END_WORDS:
        if one.endswith(f", {word}"):
            one = f"{word} {one[: -len(word) - 2]}"
        if other.endswith(f", {word}"):
            other = f"{word} {other[: -len(word) - 2]}"
    one, other = one.replace("&", "and"), other.replace("&", "and")
    base = _beets_basic(one, other)
    penalty = 0.0
    for pattern, weight in _SD_PATTERNS:
        case_one, case_other = re.sub(pattern, "", one), re.sub(pattern, "", other)
        if case_one != one or case_other != other:
            case_dist = _beets_basic(case_one, case_other)
            delta = max(0.0, base - case_dist)
            if delta == 0.0:
                continue
            one, other, base = case_one, case_other, case_dist
            penalty += weight * delta
    return base + penalty


def beets_distance(row: TrackFacts, candidate: TrackFacts) -> float:
    parts = [(3.0, string_dist(row.title, candidate.title))]
    parts.append((2.0, string_dist(row.artists, candidate.artists)))
    if row.duration is not None and candidate.duration is not None:
        off = abs(row.duration - candidate.duration) - 10.0
        parts.append((2.0, min(1.0, max(0.0, off / 20.0))))
    return min(1.0, sum(w * p for w, p in parts) / sum(w for w, _ in parts))


# --- Time ---


def time_scoring(cases: Sequence[Case]) -> tuple[float, float]:
    """Seconds for `decide` on ROWS rows x CANDIDATES candidates: with empty key caches (the first
    rows a worker sees), then the median of RUNS repeats (names seen before)."""
    pool = [c for case in cases for c in case.candidates]
    rows = [case.row for case in cases if case.row is not None]
    work = [
        (rows[i % len(rows)], [pool[(i * 7 + j) % len(pool)] for j in range(CANDIDATES)])
        for i in range(ROWS)
    ]

    def once() -> float:
        started = time.perf_counter()
        for row, candidates in work:
            decide(row, candidates)
        return time.perf_counter() - started

    gc.collect()
    scoring.clear_caches()
    cold = once()
    warm = percentile([once() for _ in range(RUNS)], 50)
    return cold, warm
