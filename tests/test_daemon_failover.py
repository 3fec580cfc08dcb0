"""Two daemon processes: only one hands off per station; kill it and the other takes over."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tests.daemon_process import (
    DaemonProcess,
    StateDir,
    add_station,
    query,
    wait_for,
)
from tests.fakes.azuracast import FakeAzuraCast

LEADING = "station radio: leading it"


def _leader(first: DaemonProcess, second: DaemonProcess) -> tuple[DaemonProcess, DaemonProcess]:
    def probe() -> tuple[DaemonProcess, DaemonProcess] | None:
        if first.count(LEADING):
            return first, second
        if second.count(LEADING):
            return second, first
        return None

    return wait_for("a leader", probe, within=15)


def test_only_one_daemon_hands_off_and_the_other_takes_over_when_it_dies(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, fake.url)
    state = StateDir(handoff_root / "radio")
    first, second = start_daemon(), start_daemon()
    state.wait_for_title("Warm Up", within=15)
    leader, standby = _leader(first, second)
    fake.wait_for_sse_client()
    time.sleep(2.5)  # the standby has tried (and failed) to take the lock at least once
    assert standby.count(LEADING) == 0
    assert fake.sse_clients == 1  # only the leader watches
    # The standby writes no health: one row, the leader's.
    assert query(database_url, "SELECT state FROM station_health") == [("connected",)]

    fake.set_track("Before", "The Crash")
    state.wait_for_title("The Crash")
    leader.kill()  # SIGKILL: no clean-up at all; PostgreSQL drops its session and locks
    killed = time.monotonic()
    standby.wait_for_log(LEADING, within=10)
    fake.set_track("After", "Takeover")
    state.wait_for_title("Takeover", within=10 - (time.monotonic() - killed))
    assert time.monotonic() - killed < 10
    wait_for(
        "the takeover play",
        lambda: query(database_url, "SELECT 1 FROM plays WHERE title = 'Takeover'"),
    )
    time.sleep(0.5)
    plays = [row[0] for row in query(database_url, "SELECT title FROM plays ORDER BY id")]
    # The new leader hands the current play off again (it may have missed the old leader's
    # hand-off) and records it too if the old leader died before writing it: once, by sh_id.
    assert plays.count("The Crash") <= 1 and plays.count("Takeover") == 1


def test_a_stopped_leader_hands_over_at_once(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, fake.url)
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
