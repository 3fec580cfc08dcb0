"""The discovery statistics page at 1,000,000 discoveries: p95 ≤ 200 ms.

The data: 20,000 mixes of 50 rows over three years (a fifth pasted or hand-made), 300,000 library
tracks by 40,000 artists on 5,000 labels, and their 1,000,000 discoveries (80 % matched). The
worker's side is timed first: computing the snapshots of every period (`statistics.refresh`,
what the worker does after identification). Then the real web server (`crateloop web
--workers 2`) serves 10 logged-in clients, each asking for the page (one period after another,
the full page or the htmx partial a period tab fetches) and waiting for the answer before the
next one.
"""

from __future__ import annotations

import random
import time

import httpx
import psycopg

from bench.common import Result, load, logged_in_client, millis, percentile, web_server
from domain.config import Settings
from domain.db import create_engine, create_sessionmaker
from domain.library import statistics
from domain.library.statistics import Period

MIXES = 20_000
ROWS = 50
TRACKS = 300_000
CLIENTS = 10
REQUESTS_PER_CLIENT = 40

SEED = (
    """
    INSERT INTO tracklists (id, source_id, title, origin, created_at, updated_at)
    SELECT g, CASE WHEN g %% 5 = 0 THEN NULL ELSE g::text END, 'Mix ' || g,
           CASE WHEN g %% 5 <> 0 THEN 'import' WHEN g %% 10 = 0 THEN 'paste' ELSE 'hand' END,
           now() - (g %% 1095) * interval '1 day', now()
    FROM generate_series(1, %(mixes)s) g
    """,
    """
    INSERT INTO tracklist_versions (id, tracklist_id, number, origin, summary, title, created_at)
    SELECT g, g, 1, CASE WHEN g %% 5 = 0 THEN 'draft' ELSE 'import' END, 'first', 'Mix ' || g,
           now() - (g %% 1095) * interval '1 day'
    FROM generate_series(1, %(mixes)s) g
    """,
    """
    INSERT INTO library_tracks (id, artists, primary_artists, title, title_base, label, genre,
        dedupe_key, artists_key, title_key, first_discovered, last_seen)
    SELECT g, 'Artist ' || (g %% 40000), ARRAY['Artist ' || (g %% 40000)], 'Title ' || g,
        'Title ' || g, 'Label ' || (g %% 5000),
        (ARRAY['Techno', 'House', 'Trance', 'Drum & Bass', 'Ambient', 'Electro'])[1 + g %% 6],
        'k' || g, 'artist ' || (g %% 40000), 'title ' || g,
        now() - ((g * 7) %% 1095) * interval '1 day', now()
    FROM generate_series(1, %(tracks)s) g
    """,
    """
    INSERT INTO discoveries (tracklist_id, version_id, version_number, row_index, position,
        row_text, state, confidence, method, library_track_id, created_at, updated_at)
    SELECT t, t, 1, r, r + 1, 'A - T',
        CASE WHEN (t * 50 + r) %% 10 < 8 THEN 'matched'
             WHEN (t * 50 + r) %% 10 = 8 THEN 'provisional' ELSE 'unmatched' END,
        0.9, 'library',
        CASE WHEN (t * 50 + r) %% 10 < 9 THEN 1 + ((t::bigint * 50 + r) * 7919) %% %(tracks)s END,
        now() - (t %% 1095) * interval '1 day', now() - (t %% 1095) * interval '1 day'
    FROM generate_series(1, %(mixes)s) t, generate_series(0, %(rows)s - 1) r
    """,
    """
    UPDATE library_tracks l SET discovery_count = c.n FROM (
        SELECT library_track_id, count(DISTINCT tracklist_id) n FROM discoveries
        WHERE library_track_id IS NOT NULL GROUP BY 1) c
    WHERE c.library_track_id = l.id
    """,
    "SELECT setval('tracklists_id_seq', %(mixes)s)",
    "SELECT setval('tracklist_versions_id_seq', %(mixes)s)",
    "SELECT setval('library_tracks_id_seq', %(tracks)s)",
)


def seed(settings: Settings) -> None:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        for statement in SEED:
            conn.execute(statement, {"mixes": MIXES, "rows": ROWS, "tracks": TRACKS})
        conn.execute("VACUUM ANALYZE")


async def browse(client: httpx.AsyncClient, rng: random.Random, pace: float) -> list[float]:
    latencies = []
    periods = list(Period)
    for n in range(REQUESTS_PER_CLIENT):
        partial = rng.random() < 0.5
        headers = {"HX-Request": "true", "HX-Target": "discovery-figures"} if partial else {}
        period = periods[(n + rng.randrange(len(periods))) % len(periods)]
        started = time.perf_counter()
        response = await client.get(
            "/library/discoveries", params={"period": period}, headers=headers
        )
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"/discovery answered {response.status_code}: {response.text[:200]}")
    return latencies


async def run(settings: Settings) -> list[Result]:
    seed(settings)
    engine = create_engine(settings)
    try:
        started = time.perf_counter()
        await statistics.refresh(create_sessionmaker(engine))
        refresh_seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    clients: list[httpx.AsyncClient] = []
    async with web_server(settings, "bench-web.log") as base_url:
        try:
            clients = [await logged_in_client(base_url) for _ in range(CLIENTS)]
            await load(clients[:2], browse)  # warm-up
            samples, seconds = await load(clients, browse)
        finally:
            for client in clients:
                await client.aclose()
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    return [
        Result(
            f"statistics page, 1,000,000 discoveries, {CLIENTS} clients",
            f"p50 {millis(p50)}, p95 {millis(p95)}; {len(samples) / seconds:.0f} req/s",
            "p95 ≤ 200 ms",
            p95 <= 0.200,
        ),
        Result(
            "the worker's snapshot of every period (for reference)",
            f"{refresh_seconds:.1f} s",
            "none",
            True,
        ),
    ]
