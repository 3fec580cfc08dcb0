"""Mapping import: a 100,000-row CSV at ≥ 20,000 rows/s, with memory that does not grow with it.

Each import runs in a child process (`python -m bench.bench_import CSV`) so its peak RSS is its
own: the real reader and the real bulk import, timed from the first row read to the commit.
Comparing the peak RSS growth of a 20,000-row and a 100,000-row import shows memory stays flat.
"""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

from bench.common import REPO, Result, bench_env, empty_tables
from domain.config import Settings, load_settings
from domain.loops.formats import Progress, read_csv
from domain.loops.imports import ImportOptions, import_mappings
from domain.loops.mapper import loops_service

SMALL, LARGE = 20_000, 100_000
LOOPS = 5
TARGET_RATE = 20_000
# Only the set of keys (for duplicates within the file) may grow with the file: ~150 bytes a row.
FLAT_BYTES_PER_ROW = 256
# The database's own cost, for context: one INSERT ... SELECT of as many rows, no client at all.
_BARE_INSERT = """
INSERT INTO track_mappings (track_key, artist, title, azuracast_song_id, loop_file_path)
SELECT 'artist ' || (g %% 997) || ' - title ' || g, 'Artist ' || (g %% 997), 'Title ' || g,
    md5(g::text), 'bench/loop' || (g %% 5) || '.mp4'
FROM generate_series(1, %s) AS g
"""


def write_csv(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["artist", "title", "loop_path", "song_id", "notes"])
        for i in range(count):
            notes = "imported by the benchmark" if i % 10 == 0 else ""
            writer.writerow(
                [f"Artist {i % 997}", f"Title {i}", f"bench/loop{i % LOOPS}.mp4", "", notes]
            )
    return path


def _import_in_child(settings: Settings, csv_path: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", str(csv_path)],
        env=bench_env(settings),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"import of {csv_path.name} failed:\n{proc.stdout}{proc.stderr}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures


def run(settings: Settings) -> list[Result]:
    folder = settings.loops_path / "bench"
    folder.mkdir(exist_ok=True)
    for i in range(LOOPS):
        shutil.copyfile(settings.loops_path / "default.mp4", folder / f"loop{i}.mp4")
    small = _import_in_child(settings, write_csv(folder / "small.csv", SMALL))
    empty_tables(settings)
    large = _import_in_child(settings, write_csv(folder / "large.csv", LARGE))
    empty_tables(settings)
    with psycopg.connect(settings.psycopg_url) as conn:
        started = time.perf_counter()
        conn.execute(_BARE_INSERT, [LARGE])
        conn.commit()
        bare = time.perf_counter() - started
    rate = large["rows"] / large["seconds"]
    small_mb, large_mb = small["rss_growth_mb"], large["rss_growth_mb"]
    per_row = (large_mb - small_mb) * 1024 * 1024 / (LARGE - SMALL)
    return [
        Result(
            f"{LARGE:,}-row CSV import",
            f"{rate:,.0f} rows/s ({large['seconds']:.2f} s)",
            f"≥ {TARGET_RATE:,} rows/s",
            rate >= TARGET_RATE and large["added"] == LARGE,
        ),
        Result(
            f"context: a bare INSERT ... SELECT of {LARGE:,} rows in PostgreSQL",
            f"{LARGE / bare:,.0f} rows/s ({bare:.2f} s)",
            "none (the database's own floor)",
            True,
        ),
        Result(
            f"peak RSS growth, {SMALL:,} → {LARGE:,} rows",
            f"{small_mb:.1f} MB → {large_mb:.1f} MB ({per_row:.0f} bytes/row: the key set)",
            f"flat but for the key set (≤ {FLAT_BYTES_PER_ROW} bytes/row)",
            per_row <= FLAT_BYTES_PER_ROW,
        ),
    ]


def _rss_mb() -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _RssSampler(threading.Thread):
    """The highest resident memory seen while the import runs (sampled every 20 ms).

    Not ru_maxrss: that peak may date from start-up (imports), hiding the import's own growth.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.02)


async def _child(csv_path: Path) -> dict[str, float]:
    settings = load_settings()
    async with loops_service(settings) as mapper:
        # Everything imported and connected before the baseline, so growth is the import's own.
        await mapper.get_default_loop()  # the database and Redis connected
        baseline = _rss_mb()
        sampler = _RssSampler()
        sampler.start()
        started = time.perf_counter()
        try:
            report = await import_mappings(mapper, read_csv(csv_path, Progress()), ImportOptions())
        finally:
            seconds = time.perf_counter() - started
            sampler.running = False
            sampler.join()
    if not report.ok:
        raise SystemExit(f"import refused: {report.summary()} {report.fatal or ''}")
    return {
        "rows": report.added + report.updated + report.skipped,
        "added": report.added,
        "seconds": seconds,
        "rss_growth_mb": sampler.peak - baseline,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_child(Path(sys.argv[1])))))
