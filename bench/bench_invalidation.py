"""Invalidation: a write in one process is seen by another's cache in ≤ 1 s (p99)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time

from bench.common import Result, bench_env, millis, percentile
from domain.config import Settings
from domain.loops.mapper import loops_service

CHANGES = 200
# The other process: keeps asking for the same track (a cache hit unless invalidated) and prints
# the wall-clock time whenever the answer changes.
WATCHER = """
import asyncio, sys, time
from domain.config import load_settings
from domain.loops.mapper import loops_service

async def main():
    async with loops_service(load_settings()) as mapper:
        await mapper.start()
        await mapper.invalidation.subscribed.wait()
        last = await mapper.get_loop("Bench", "Track")
        print("ready", last, flush=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            path = await mapper.get_loop("Bench", "Track")
            if path != last:
                print(time.time(), path, flush=True)
                last = path
            await asyncio.sleep(0.0005)

asyncio.run(main())
"""


async def run(settings: Settings) -> list[Result]:
    for name in ("x.mp4", "y.mp4"):
        shutil.copyfile(settings.loops_path / "default.mp4", settings.loops_path / name)
    async with loops_service(settings) as mapper:
        mapping = await mapper.create_mapping("Bench", "Track", "x.mp4")
        watcher = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WATCHER, env=bench_env(settings), stdout=asyncio.subprocess.PIPE
        )
        assert watcher.stdout is not None
        latencies = []
        try:
            await asyncio.wait_for(watcher.stdout.readline(), 30)
            for i in range(CHANGES):
                target = "y.mp4" if i % 2 == 0 else "x.mp4"
                started = time.time()
                await mapper.update_mapping(mapping.id, loop_path=target)
                line = await asyncio.wait_for(watcher.stdout.readline(), 5)
                seen_at, path = line.decode().split(" ", 1)
                assert path.strip().endswith(target), line
                latencies.append(float(seen_at) - started)
        finally:
            watcher.kill()
            await watcher.wait()
    p99 = percentile(latencies, 99)
    return [
        Result(
            f"write → other process sees it, p50 / p99 over {CHANGES} writes",
            f"{millis(percentile(latencies, 50))} / {millis(p99)}",
            "p99 ≤ 1 s",
            p99 <= 1.0,
        )
    ]
