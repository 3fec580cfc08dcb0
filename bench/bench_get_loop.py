"""get_loop: a cache hit p50 ≤ 5 µs; a miss served by local PostgreSQL p50 ≤ 1 ms."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace

from bench.common import Result, micros, percentile
from domain.config import Settings
from domain.loops.mapper import loops_service

MAPPINGS = 2000
HITS = 50_000


async def run(settings: Settings) -> list[Result]:
    for i in range(10):
        shutil.copyfile(settings.loops_path / "default.mp4", settings.loops_path / f"loop{i}.mp4")
    # A cache of one entry: every lookup of a new key below is a miss.
    async with loops_service(replace(settings, cache_size=1)) as mapper:
        for i in range(MAPPINGS):
            await mapper.create_mapping(f"Artist {i}", f"Title {i}", f"loop{i % 10}.mp4")
        await mapper.get_default_loop()

        mapped, unmapped = [], []
        for i in range(MAPPINGS):
            started = time.perf_counter()
            await mapper.get_loop(f"Artist {i}", f"Title {i}")
            mapped.append(time.perf_counter() - started)
            started = time.perf_counter()
            await mapper.get_loop(f"Nobody {i}", f"Nothing {i}")
            unmapped.append(time.perf_counter() - started)

        hits = []
        await mapper.get_loop("Artist 1", "Title 1")
        for _ in range(HITS):
            started = time.perf_counter()
            await mapper.get_loop("Artist 1", "Title 1")
            hits.append(time.perf_counter() - started)

    hit_p50, miss_p50, default_p50 = (percentile(s, 50) for s in (hits, mapped, unmapped))
    return [
        Result(
            "cache hit p50 (p99)",
            f"{micros(hit_p50)} ({micros(percentile(hits, 99))})",
            "≤ 5 µs",
            hit_p50 <= 5e-6,
        ),
        Result(
            "miss, mapped track, p50 (p99)",
            f"{micros(miss_p50)} ({micros(percentile(mapped, 99))})",
            "≤ 1 ms",
            miss_p50 <= 1e-3,
        ),
        Result(
            "miss, default loop, p50 (p99)",
            f"{micros(default_p50)} ({micros(percentile(unmapped, 99))})",
            "≤ 1 ms",
            default_p50 <= 1e-3,
        ),
    ]
