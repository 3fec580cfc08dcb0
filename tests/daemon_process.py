"""Running the real daemon in tests: a process wrapper, station and mapping rows, fixtures.

Shared by every test that drives `crateloop daemon` (tests/test_daemon*.py and the dashboard's
browser test) and by every test that needs a station row (the dashboard, plays and webhook
tests); the fixtures are registered in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cli.processes import crateloop_argv
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until

SLUG = "radio-one"


def add_station(database_url: str, slug: str = SLUG, name: str = "Radio One", **fields: Any) -> int:
    """Insert a stations row (the Stations page's job) and return its id.

    An AzuraCast station fed by push, its shortcode and state folder named like its slug, at a
    base URL where nothing listens; `fields` sets any other column (`base_url=fake.url`).
    """
    values = {
        "name": name,
        "slug": slug,
        "kind": "azuracast",
        "shortcode": slug,
        "base_url": "http://127.0.0.1:9",
        "transport": "push",
        "poll_interval": 1.0,
        "state_dir": slug,
        **fields,
    }
    if "streamer_loops" in values:
        values["streamer_loops"] = json.dumps(values["streamer_loops"])
    columns = ", ".join(values)
    marks = ", ".join(f"%({column})s" for column in values)
    statement = f"INSERT INTO stations ({columns}) VALUES ({marks}) RETURNING id"  # noqa: S608
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(statement, values).fetchone()
    assert row is not None
    return int(row[0])


def update_station(database_url: str, station_id: int, **fields: Any) -> None:
    sets = ", ".join(f"{name} = %({name})s" for name in fields)
    statement = f"UPDATE stations SET {sets}, updated_at = now() WHERE id = %(id)s"  # noqa: S608
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(statement, {**fields, "id": station_id})


def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def database_now(database_url: str) -> datetime:
    """The database server's clock (what pg_stat_activity's times are on)."""
    now: datetime = query(database_url, "SELECT now()")[0][0]
    return now


def finished_statements(database_url: str, like: str, since: datetime) -> list[int]:
    """The other sessions (a daemon's) whose last statement matches `like` (SQL LIKE), started
    after `since` and has finished: what a daemon has done, seen from PostgreSQL."""
    rows = query(
        database_url,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state = 'idle' AND query LIKE %s AND query_start > %s",
        like,
        since,
    )
    return [int(row[0]) for row in rows]


def reloaded_since(database_url: str, since: datetime) -> bool:
    """Whether a daemon that leads no station has read the stations since `since`: each reload
    ends with a check of its lock connection (`SELECT 1`)."""
    return bool(finished_statements(database_url, "SELECT 1", since))


def add_mapping(database_url: str, artist: str, title: str, loop: str) -> int:
    from domain.loops.keys import azuracast_song_id, normalize_track_key

    rows = query(
        database_url,
        "INSERT INTO track_mappings (track_key, artist, title, azuracast_song_id, loop_file_path)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        normalize_track_key(artist, title),
        artist,
        title,
        azuracast_song_id(artist, title),
        loop,
    )
    return int(rows[0][0])


class DaemonProcess:
    """`crateloop daemon` as a subprocess, its output (stdout and stderr) in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [*crateloop_argv(), "daemon"],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def count(self, pattern: str) -> int:
        """How many log lines match the regular expression."""
        return sum(1 for line in self.log().splitlines() if re.search(pattern, line))

    def wait_for_log(self, pattern: str, within: float = 10.0, count: int = 1) -> None:
        wait_until(lambda: self.count(pattern) >= count, within, f"log line {pattern!r} (x{count})")

    def terminate(self, within: float = 5.0) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=within + 5)
        return code, time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


class StateDir:
    """The state-file adapter's folder: what the encoder would read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def current(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads((self.folder / "current.json").read_text())
        except FileNotFoundError:
            return None
        return data

    def wait_for_title(self, title: str | None, within: float = 5.0) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            state = self.current()
            return state if state is not None and state["title"] == title else None

        return wait_until(probe, within, f"current.json with title {title!r}", every=0.005)


@pytest.fixture
def daemon_env(app_env: dict[str, str], handoff_root: Path) -> dict[str, str]:
    return {**app_env, "HANDOFF_PATH": str(handoff_root)}


@pytest.fixture
def fake() -> Iterator[FakeAzuraCast]:
    with FakeAzuraCast("radio", ping_interval=0.5) as server:
        yield server


@pytest.fixture
def start_daemon(
    daemon_env: dict[str, str], tmp_path: Path, clean_db: None
) -> Iterator[Callable[..., DaemonProcess]]:
    """Start daemons (`start_daemon(**extra_env)`); every one is killed at the end."""
    started: list[DaemonProcess] = []

    def start(**extra: str) -> DaemonProcess:
        daemon = DaemonProcess({**daemon_env, **extra}, tmp_path / f"daemon-{len(started)}.log")
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()
