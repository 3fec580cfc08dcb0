"""Two daemon processes: only one hands off per station; kill it and the other takes over."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.daemon_process import (
    DaemonProcess,
    StateDir,
    add_station,
    database_now,
    finished_statements,
    query,
)
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until

LEADING = "station radio: leading it"
# The sessions holding a station's lock (class 1129: daemon/station_locks.py).
HOLDERS = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1129 AND granted"


def _leader(first: DaemonProcess, second: DaemonProcess) -> tuple[DaemonProcess, DaemonProcess]:
    def probe() -> tuple[DaemonProcess, DaemonProcess] | None:
        if first.count(LEADING):
            return first, second
        if second.count(LEADING):
            return second, first
        return None

    return wait_until(probe, 15, "a leader")


def test_only_one_daemon_hands_off_and_the_other_takes_over_when_it_dies(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    first, second = start_daemon(), start_daemon()
    state.wait_for_title("Warm Up", within=15)
    leader, standby = _leader(first, second)
    fake.wait_for_sse_client()
    led = database_now(database_url)

    def standby_tried() -> list[int]:
        holders = {row[0] for row in query(database_url, HOLDERS)}
        tries = finished_statements(database_url, "%pg_try_advisory_lock%", led)
        return [pid for pid in tries if pid not in holders]

    wait_until(standby_tried, 5, "the standby trying (and failing) to take the lock")
    assert standby.count(LEADING) == 0
    assert fake.sse_clients == 1  # only the leader watches
    # The standby writes no health: one row, the leader's.
    assert query(database_url, "SELECT state FROM station_health") == [("connected",)]

    fake.set_track("Before", "The Crash")
    state.wait_for_title("The Crash")
    leader.kill()  # SIGKILL: no clean-up at all; PostgreSQL drops its session and locks
    killed = time.monotonic()
    standby.wait_for_log(LEADING, within=10)
    # Recorded by the old leader before it died, or by the new one, which hands the current
    # play off again when it takes over (before "Takeover" replaces it).
    wait_until(
        lambda: query(database_url, "SELECT 1 FROM plays WHERE title = 'The Crash'"),
        10 - (time.monotonic() - killed),
        "the play of The Crash",
    )
    fake.set_track("After", "Takeover")
    state.wait_for_title("Takeover", within=10 - (time.monotonic() - killed))
    assert time.monotonic() - killed < 10
    wait_until(
        lambda: query(database_url, "SELECT 1 FROM plays WHERE title = 'Takeover'"),
        5,
        "the takeover play",
    )
    time.sleep(0.5)  # and no second record of either play comes after it
    plays = [row[0] for row in query(database_url, "SELECT title FROM plays ORDER BY id")]
    # Both leaders may have recorded The Crash: it is stored once, by sh_id.
    assert plays.count("The Crash") == 1 and plays.count("Takeover") == 1


def test_a_stopped_leader_hands_over_at_once(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    first, second = start_daemon(), start_daemon()
    state.wait_for_title("Warm Up", within=15)
    leader, standby = _leader(first, second)
    code, took = leader.terminate()
    assert code == 0 and took < 5
    standby.wait_for_log(LEADING, within=4)  # the next 2 s reload finds the lock free
    fake.wait_for_sse_client()
    fake.set_track("New", "Leader")
    state.wait_for_title("Leader", within=2)
