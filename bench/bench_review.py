"""The review queue with 10,000 provisional rows: p95 ≤ 50 ms at 10 clients.

200 mixes of 50 provisional rows, each with three candidates as identification keeps them (the
per-field penalties and reasons the page shows). The real web server (`crateloop web --workers
2`) serves 10 logged-in clients; each opens the queue (the first pages, as a person working
through it does, and now and then a later one) and the navigation's badge count, and waits for
each answer before the next request.

Two runs, as for the Loops page: paced (half a second between requests, faster than a person
reads a row and presses a key) and flat out (no pause: the server's limit on this 2-core machine,
shared with the load generator). The target is judged on the paced run.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

import httpx
import psycopg

from bench.common import Result, load, logged_in_client, millis, percentile, web_server
from domain.config import Settings

MIXES = 200
ROWS = 50
CLIENTS = 10
REQUESTS_PER_CLIENT = 40
PACE_SECONDS = 0.5


def _candidates(n: int) -> str:
    return json.dumps(
        [
            {
                "source": "musicbrainz",
                "library_track_id": None,
                "musicbrainz_recording_id": f"{n:08d}-0000-4000-8000-00000000000{c}",
                "release_id": f"r{n}-{c}",
                "release_title": f"Release {n}",
                "artist": f"Artist {n % 997}",
                "title": f"Title {n} (Remix {c})",
                "version": f"Remix {c}",
                "label": f"Label {n % 101}",
                "duration": 300.0 + c,
                "distance": 0.2 + c / 10,
                "penalties": {"title_base": 0.0, "version": 0.5 * c, "duration": 0.0},
                "reasons": [f"version differs (Remix {c} vs original)"] if c else [],
            }
            for c in range(3)
        ]
    )


def seed(settings: Settings) -> None:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tracklists (id, source_id, title) SELECT g, g::text, 'Mix ' || g"
            " FROM generate_series(1, %(mixes)s) g",
            {"mixes": MIXES},
        )
        conn.execute(
            "INSERT INTO tracklist_versions (id, tracklist_id, number, origin, summary, title)"
            " SELECT g, g, 1, 'import', 'first', 'Mix ' || g FROM generate_series(1, %(mixes)s) g",
            {"mixes": MIXES},
        )
        with conn.cursor().copy(
            "COPY discoveries (tracklist_id, version_id, version_number, row_index, position,"
            " row_text, state, confidence, method, differences, candidates, sources_asked)"
            " FROM STDIN"
        ) as copy:
            for mix in range(1, MIXES + 1):
                for row in range(ROWS):
                    n = mix * ROWS + row
                    copy.write_row(
                        (
                            mix, mix, 1, row, row + 1, f"Artist {n % 997} - Title {n}",
                            "provisional", 0.7, "musicbrainz",
                            json.dumps({"reasons": ["version differs"]}),
                            _candidates(n), "{library,musicbrainz}",
                        )
                    )  # fmt: skip
        conn.execute("SELECT setval('tracklists_id_seq', %(mixes)s)", {"mixes": MIXES})
        conn.execute("SELECT setval('tracklist_versions_id_seq', %(mixes)s)", {"mixes": MIXES})
        conn.execute("VACUUM ANALYZE")


async def work(client: httpx.AsyncClient, rng: random.Random, pace: float) -> list[float]:
    latencies = []
    for _ in range(REQUESTS_PER_CLIENT):
        roll = rng.random()
        if roll < 0.2:
            path, params = "/review/count", {}
        else:
            page = rng.randint(1, 3) if roll < 0.9 else rng.randint(4, 400)
            path, params = "/review", {"page": str(page)}
        started = time.perf_counter()
        response = await client.get(path, params=params)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
        if pace:
            await asyncio.sleep(pace * rng.uniform(0.8, 1.2))
    return latencies


def summary(samples: list[float], seconds: float) -> str:
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    return f"p50 {millis(p50)}, p95 {millis(p95)}; {len(samples) / seconds:.0f} req/s"


async def run(settings: Settings) -> list[Result]:
    seed(settings)
    clients: list[httpx.AsyncClient] = []
    async with web_server(settings, "bench-web.log") as base_url:
        try:
            clients = [await logged_in_client(base_url) for _ in range(CLIENTS)]
            await load(
                clients[:2], work, 0
            )  # warm-up: imports, template compilation, connection pool
            paced, paced_seconds = await load(clients, work, PACE_SECONDS)
            flat, flat_seconds = await load(clients, work, 0)
        finally:
            for client in clients:
                await client.aclose()
    return [
        Result(
            f"review queue, 10,000 provisional rows, {CLIENTS} clients {PACE_SECONDS:g} s apart",
            summary(paced, paced_seconds),
            "p95 ≤ 50 ms",
            percentile(paced, 95) <= 0.050,
        ),
        Result(
            f"review queue, {CLIENTS} clients flat out (capacity, for reference)",
            summary(flat, flat_seconds),
            "none",
            True,
        ),
    ]
