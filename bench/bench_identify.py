"""Identifying 100 rows against a 100,000-track library, library stage only: ≤ 1 s.

The library: 100,000 tracks by 20,000 artists (two-word names from a DJ-ish vocabulary), some
in several versions (original, a remix, an extended mix). The rows: 100 as a tracklist page
gives them, 60 of tracks in the library (written as DJs write them: "(Original Mix)", another
case, a remix that exists and one that does not) and 40 of tracks it does not hold. Each row
goes through what the worker does before asking an outside service: `read_row`, then
`library_candidates` (exact key, then the SQL prefilter re-ranked by RapidFuzz), then `decide`.
Rows run one after another, as one job runs them.
"""

from __future__ import annotations

import random
import time

import psycopg

from bench.common import Result, millis, percentile
from domain.config import Settings
from domain.db import Sessions, create_engine, create_sessionmaker
from domain.library.facts import comparison_key
from domain.library.identify import library_candidates
from domain.library.reading import read_row
from domain.library.scoring import MatchState, decide
from domain.library.store import dedupe_key

TRACKS = 100_000
ARTISTS = 20_000
ROWS = 100
WORDS = [
    "deep", "night", "velvet", "echo", "solar", "drift", "neon", "silk", "ghost", "ember",
    "cobalt", "lunar", "static", "prism", "hollow", "amber", "signal", "vapor", "orbit", "tide",
    "crystal", "shadow", "pulse", "dawn", "mirror", "rhythm", "fever", "harbor", "nova", "atlas",
]  # fmt: skip
REMIXERS = ["Four Tet", "Bicep", "Solomun", "Adriatique", "Tale Of Us", "Dixon", "Ame", "Kiasmos"]


def artist_name(n: int) -> str:
    return f"{WORDS[n % 30].title()} {WORDS[(n // 30) % 30].title()} {n // 900 or ''}".strip()


def title_words(n: int) -> str:
    return f"{WORDS[(n * 7) % 30].title()} {WORDS[(n * 13) % 30].title()} {n}"


def library_rows() -> list[tuple[object, ...]]:
    """The library's tracks as `upsert_track` stores them (the same keys), one per recording."""
    rows: list[tuple[object, ...]] = []
    seen: set[str] = set()
    for n in range(TRACKS):
        suffix = ["", f" ({REMIXERS[n % 8]} Remix)", " (Extended Mix)"][n % 3]
        facts = read_row(artist_name(n % ARTISTS), title_words(n // 3) + suffix)
        assert facts is not None
        key = dedupe_key(facts)
        if key in seen:
            continue
        seen.add(key)
        version = facts.version
        rows.append(
            (
                facts.artists, list(facts.primary), facts.title, facts.title_base,
                version.kind.value, version.text, list(version.remixers), key,
                comparison_key(facts.artists), comparison_key(facts.title),
            )
        )  # fmt: skip
    return rows


def tracklist(rng: random.Random) -> list[tuple[str, str]]:
    """100 (artist, title) rows as a page writes them."""
    rows = []
    for i in range(ROWS):
        if i < 60:
            n = rng.randrange(TRACKS)
            artist, base = artist_name(n % ARTISTS), title_words(n // 3)
            title = [
                f"{base} (Original Mix)",
                f"{base} ({REMIXERS[n % 8]} Remix)",
                f"{base} (Extended Mix)",
            ][n % 3]
            if i % 10 == 0:
                title = f"{base} (Somebody Else Remix)"  # a version the library does not hold
            rows.append((artist.upper() if i % 7 == 0 else artist, title))
        else:
            rows.append((f"Unknown Producer {i}", f"Never Released {i} (Original Mix)"))
    return rows


def seed(settings: Settings) -> None:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        with conn.cursor().copy(
            "COPY library_tracks (artists, primary_artists, title, title_base, version_kind,"
            " version_text, remixers, dedupe_key, artists_key, title_key) FROM STDIN"
        ) as copy:
            for row in library_rows():
                copy.write_row(row)
        conn.execute("VACUUM ANALYZE library_tracks")


async def run(settings: Settings) -> list[Result]:
    seed(settings)
    rows = tracklist(random.Random(11))
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    try:
        await _identify(sessions, rows[:10])  # warm-up: connections, statement caches
        timings: list[float] = []
        matched = 0
        started = time.perf_counter()
        for artist, title in rows:
            row_started = time.perf_counter()
            facts = read_row(artist, title)
            found = await library_candidates(sessions, facts) if facts is not None else []
            decision = decide(facts, [f.facts for f in found])
            timings.append(time.perf_counter() - row_started)
            matched += decision.state is MatchState.MATCHED
        total = time.perf_counter() - started
    finally:
        await engine.dispose()
    return [
        Result(
            f"{ROWS} rows against {TRACKS:,} library tracks, library stage",
            f"{millis(total)} in all (per row p50 {millis(percentile(timings, 50))},"
            f" p95 {millis(percentile(timings, 95))}); {matched} matched",
            "≤ 1 s",
            total <= 1.0,
        )
    ]


async def _identify(sessions: Sessions, rows: list[tuple[str, str]]) -> None:
    for artist, title in rows:
        facts = read_row(artist, title)
        if facts is not None:
            await library_candidates(sessions, facts)
