"""The now-playing daemon as a real process against fake AzuraCast servers.

- push feed: the fake publishes a new play → `current.json` replaced, p95 over 200 changes;
- polling: a change is handed off within the poll interval + 100 ms;
- 50 push stations in one daemon: CPU while idle and RSS, read from /proc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg

from bench.common import Result, bench_env, empty_tables, millis, percentile
from domain.config import Settings
from tests.fakes.azuracast import FakeAzuraCast

CHANGES = 200
POLL_INTERVAL = 1.0
POLL_CHANGES = 12
STATIONS = 50
IDLE_SECONDS = 20.0


def _add_station(settings: Settings, slug: str, base_url: str, transport: str) -> None:
    with psycopg.connect(settings.psycopg_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO stations (name, slug, kind, base_url, shortcode, transport,"
            " poll_interval, state_dir) VALUES (%s, %s, 'azuracast', %s, %s, %s, %s, %s)",
            (slug, slug, base_url, slug, transport, POLL_INTERVAL, slug),
        )


@contextmanager
def _daemon(settings: Settings, handoff: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**bench_env(settings), "HANDOFF_PATH": str(handoff), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "daemon"], env=env, stdout=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _title(folder: Path) -> str | None:
    try:
        state: dict[str, Any] = json.loads((folder / "current.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    title = state.get("title")
    return title if isinstance(title, str) else None


def _wait_for_title(folder: Path, title: str, within: float) -> float:
    """Poll for `title` in current.json; the wall-clock time it was seen."""
    deadline = time.monotonic() + within
    while _title(folder) != title:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{folder}/current.json never showed {title!r}")
        time.sleep(0.0005)
    return time.monotonic()


def _push_latencies(settings: Settings, handoff: Path) -> list[float]:
    with FakeAzuraCast("push", ping_interval=25) as fake, _daemon(settings, handoff):
        _add_station(settings, "push", fake.url, "push")
        folder = handoff / "push"
        _wait_for_title(folder, "Warm Up", 30)
        fake.wait_for_sse_client(timeout=10)
        latencies = []
        for i in range(CHANGES):
            title = f"Track {i}"
            sent = time.monotonic()
            fake.set_track("Bench", title)
            latencies.append(_wait_for_title(folder, title, 5) - sent)
            time.sleep(0.01)
    return latencies


def _poll_latencies(settings: Settings, handoff: Path) -> list[float]:
    with FakeAzuraCast("poll", ping_interval=25) as fake, _daemon(settings, handoff):
        _add_station(settings, "poll", fake.url, "poll")
        folder = handoff / "poll"
        _wait_for_title(folder, "Warm Up", 30)
        latencies = []
        for i in range(POLL_CHANGES):
            time.sleep(0.37 * (i % 3))  # changes fall at different points of the poll cycle
            title = f"Polled {i}"
            sent = time.monotonic()
            fake.set_track("Bench", title)
            latencies.append(_wait_for_title(folder, title, POLL_INTERVAL + 5) - sent)
    return latencies


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _idle_footprint(settings: Settings, handoff: Path) -> tuple[float, float]:
    with ExitStack() as stack:
        fakes = [
            stack.enter_context(FakeAzuraCast(f"s{i:02d}", ping_interval=25))
            for i in range(STATIONS)
        ]
        for fake in fakes:
            _add_station(settings, fake.shortcode, fake.url, "push")
        daemon = stack.enter_context(_daemon(settings, handoff))
        for fake in fakes:
            _wait_for_title(handoff / fake.shortcode, "Warm Up", 60)
        time.sleep(5)  # settle: every feed connected, start-up work done
        before, started = _cpu_seconds(daemon.pid), time.monotonic()
        time.sleep(IDLE_SECONDS)
        cpu = (_cpu_seconds(daemon.pid) - before) / (time.monotonic() - started)
        return cpu, _rss_mb(daemon.pid)


def _run_in(settings: Settings, measure: Callable[[Settings, Path], Any]) -> Any:
    empty_tables(settings)
    with tempfile.TemporaryDirectory() as tmp:
        return measure(settings, Path(tmp))


def run(settings: Settings) -> list[Result]:
    push = _run_in(settings, _push_latencies)
    polled = _run_in(settings, _poll_latencies)
    cpu, rss = _run_in(settings, _idle_footprint)
    p95 = percentile(push, 95)
    worst_poll = max(polled)
    return [
        Result(
            f"push feed message → current.json replaced, p50 / p95 over {CHANGES} changes",
            f"{millis(percentile(push, 50))} / {millis(p95)}",
            "p95 ≤ 50 ms",
            p95 <= 0.050,
        ),
        Result(
            f"polling every {POLL_INTERVAL:g} s: change → hand-off, worst of {POLL_CHANGES}",
            millis(worst_poll),
            f"≤ {millis(POLL_INTERVAL + 0.1)}",
            worst_poll <= POLL_INTERVAL + 0.1,
        ),
        Result(
            f"{STATIONS} push stations in one daemon, idle: CPU / RSS",
            f"{cpu * 100:.2f} % of a core / {rss:.0f} MB",
            "≤ 5 % / ≤ 150 MB",
            cpu <= 0.05 and rss <= 150,
        ),
    ]
