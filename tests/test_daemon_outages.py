"""It never stops: sources failing every way, the database and Redis down, with a real daemon.

Each case checks what an operator cares about: the current loop stays, one log line per state
change (not one per retry), a failing source is asked less and less often, and hand-off resumes
within the wait in progress (at most the backoff cap) of the recovery.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.daemon_process import (
    DaemonProcess,
    StateDir,
    add_mapping,
    add_station,
    query,
)
from tests.fakes.azuracast import FakeAzuraCast
from tests.waiting import wait_until

POLL_INTERVAL = 1.0
# A short cap keeps these tests quick: a failing source is asked at most this far apart (± 20 %).
BACKOFF_CAP = 2.0
RECOVERY = BACKOFF_CAP * 1.2 + 1.5  # the longest wait, plus a request and the hand-off
DOWN = r"station radio: down \("
POLLING = r"station radio: polling"
CONNECTED = r"station radio: connected"


def test_feed_drop_falls_back_to_polling_and_returns_to_the_feed(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url, poll_interval=POLL_INTERVAL)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    state.wait_for_title("Warm Up", within=15)
    daemon.wait_for_log(CONNECTED)

    fake.fail("drop")  # feeds closed and refused; REST still answers
    reconnects = fake.requests["sse"]
    daemon.wait_for_log(POLLING)
    polls = fake.requests["nowplaying"]
    fake.set_track("While", "Polling")
    state.wait_for_title("Polling", within=POLL_INTERVAL + 1.0)
    assert fake.requests["nowplaying"] > polls
    wait_until(lambda: fake.requests["sse"] >= reconnects + 2, 10, "two failed reconnects")
    assert daemon.count(POLLING) == 1  # still one line

    fake.recover()
    daemon.wait_for_log(CONNECTED, count=2, within=15)  # reconnect backoff is at most 8 s here
    fake.set_track("Back", "On The Feed")
    sent = time.monotonic()
    state.wait_for_title("On The Feed", within=2)
    assert time.monotonic() - sent < 1.0
    assert daemon.count(POLLING) == 1 and daemon.count(DOWN) == 0
    assert daemon.count("Traceback") == 0


@pytest.mark.parametrize("mode", ["500", "invalid_json", "html", "huge", "stall"])
def test_a_failing_source_keeps_the_loop_and_resumes_within_the_backoff_cap(
    mode: str,
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(
        database_url, "radio", base_url=fake.url, transport="poll", poll_interval=POLL_INTERVAL
    )
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon(STATION_BACKOFF_MAX_SECONDS=str(BACKOFF_CAP))
    before = state.wait_for_title("Warm Up", within=15)

    fake.fail(mode)
    fake.set_track("Unseen", "Track")
    daemon.wait_for_log(DOWN, within=8)  # a stalled request times out after 5 s
    polls = fake.requests["nowplaying"]
    # A retry failed too (the poller asks again only once it has dealt with the last answer).
    wait_until(lambda: fake.requests["nowplaying"] >= polls + 2, 15, "two more polls")
    assert state.current() == before  # the current loop stays
    assert daemon.count(DOWN) == 1  # one line, not one per retry

    fake.recover()
    recovered = time.monotonic()
    state.wait_for_title("Track", within=RECOVERY)
    assert time.monotonic() - recovered <= RECOVERY
    daemon.wait_for_log(POLLING, count=2)  # the first one at start
    assert daemon.count(DOWN) == 1
    assert daemon.count("Traceback") == 0
    log = daemon.log()
    expected = {
        "500": "HTTP 500",
        "invalid_json": "invalid JSON",
        "html": "an HTML page",
        "huge": "larger than 1 MB",
        "stall": "timed out",
    }[mode]
    down_line = next(line for line in log.splitlines() if "station radio: down" in line)
    assert expected in down_line


def test_a_failing_source_is_asked_less_and_less_then_at_the_interval_again(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    cap = 4.0
    add_station(
        database_url, "radio", base_url=fake.url, transport="poll", poll_interval=POLL_INTERVAL
    )
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon(STATION_BACKOFF_MAX_SECONDS=str(cap))
    state.wait_for_title("Warm Up", within=15)

    fake.fail("500")  # REST and the static JSON both
    polls, statics = fake.requests["nowplaying"], fake.requests["static"]
    asked: list[float] = []  # when each failing REST request came

    def asked_times(count: int) -> Callable[[], bool]:
        def probe() -> bool:
            while len(asked) < fake.requests["nowplaying"] - polls:
                asked.append(time.monotonic())
            return len(asked) >= count

        return probe

    wait_until(asked_times(5), 30, "five failing polls", every=0.02)
    gaps = [later - earlier for earlier, later in itertools.pairwise(asked)]
    # 1 s, 2 s, 4 s, then the 4 s cap, each ± 20 % (every second without the backoff).
    assert gaps[0] < POLL_INTERVAL * 1.2 + 0.5
    assert 2 * 0.8 - 0.1 < gaps[1] < 2 * 1.2 + 0.5
    assert all(cap * 0.8 - 0.1 < gap < cap * 1.2 + 0.5 for gap in gaps[2:]), gaps
    # Each failing REST poll asked the static JSON once, never more.
    assert fake.requests["static"] - statics <= len(asked) + 1
    assert daemon.count(DOWN) == 1

    fake.recover()
    fake.set_track("After", "The Outage")
    recovered = time.monotonic()
    state.wait_for_title("The Outage", within=cap * 1.2 + 1.5)
    # Back at the interval from the first good answer.
    answered = fake.requests["nowplaying"]
    wait_until(lambda: fake.requests["nowplaying"] >= answered + 3, 3 * POLL_INTERVAL + 1.5,
               "three polls at the interval")  # fmt: skip
    assert time.monotonic() - recovered < cap * 1.2 + 3 * POLL_INTERVAL + 3
    assert daemon.count("Traceback") == 0


@pytest.mark.parametrize("mode", ["invalid_json", "huge"])
def test_a_broken_feed_frame_goes_down_once_and_recovers(
    mode: str,
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url, poll_interval=POLL_INTERVAL)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    warm_up = state.wait_for_title("Warm Up", within=15)
    daemon.wait_for_log(CONNECTED)
    # The poller waits one interval after its start-up poll (begun before that first hand-off)
    # and then only while the feed is up. Past that, a broken feed makes it poll at once.
    wait_until(lambda: time.time() > warm_up["changed_at"] + POLL_INTERVAL, 5, "the poller idle")

    # The open feed gets a broken publication and REST answers broken too: the poll reports
    # "down" (once) long before the feed reconnects, after a backoff of about a second. The
    # fake's connect frame (with the last message, `recover`) stays valid, so the reconnected
    # feed delivers.
    fake.fail(mode)
    fake.set_track("Broken", "Frame")
    state.wait_for_title("Frame", within=POLL_INTERVAL + 3)
    # The broken frame ended the feed and the daemon connected again. (Its "connected" log line
    # comes only if the state changed in between, which races the reconnect: count requests.)
    wait_until(lambda: fake.requests["sse"] >= 2, 15, "the feed reconnected")
    fake.recover()
    fake.set_track("Whole", "Again")
    state.wait_for_title("Again", within=2)
    daemon.wait_for_log(DOWN, within=1)
    assert daemon.count(DOWN) == 1
    assert daemon.count("Traceback") == 0


def _block_database(server_url: str, name: str, *, allow: bool) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )


def test_database_outage_hands_off_from_cache_and_writes_plays_afterwards(
    fake: FakeAzuraCast,
    database_url: str,
    server_urls: tuple[str, str],
    handoff_root: Path,
    loops_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    mapping_id = add_mapping(database_url, "Cached", "Song", "a.mp4")
    add_station(database_url, "radio", base_url=fake.url, poll_interval=POLL_INTERVAL)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon()
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()
    fake.set_track("Cached", "Song")  # resolved once: in the daemon's cache from now on
    state.wait_for_title("Song")
    wait_until(lambda: len(query(database_url, "SELECT 1 FROM plays")) == 2, 5, "the first plays")

    server = server_urls[0].replace("postgresql+psycopg://", "postgresql://", 1)
    name = database_url.rsplit("/", 1)[1]
    _block_database(server, name, allow=False)
    try:
        fake.set_track("Unmapped", "During Outage")
        outage = state.wait_for_title("During Outage", within=7)
        assert outage["reason"] == "default"
        assert outage["loop_path"] == str(loops_root / "default.mp4")
        fake.set_track("Cached", "Song")  # a new play of the cached track
        again = state.wait_for_title("Song", within=7)
        assert (again["reason"], again["loop_path"]) == ("mapped", str(loops_root / "a.mp4"))
        daemon.wait_for_log("cannot write plays", within=10)
        daemon.wait_for_log("lock connection lost", within=5)
        daemon.wait_for_log("cannot read stations", within=5)
        # Its retries are silent: no event to wait on, so give them time to (not) log.
        time.sleep(2)
        assert daemon.count("cannot write plays") == 1
    finally:
        _block_database(server, name, allow=True)

    def titles() -> list[str]:
        return [
            row[0] for row in query(database_url, "SELECT title FROM plays ORDER BY started_at, id")
        ]

    wait_until(lambda: len(titles()) == 4, 20, "the queued plays written")
    assert sorted(titles()) == sorted(["Warm Up", "Song", "During Outage", "Song"])
    count = query(database_url, "SELECT play_count FROM track_mappings WHERE id = %s", mapping_id)
    assert count[0][0] == 2
    daemon.wait_for_log("writing plays again")
    daemon.wait_for_log("lock connection: back", within=5)
    # Still leading after the lock connection came back, and handing off.
    fake.set_track("After", "Outage")
    state.wait_for_title("Outage", within=5)
    assert daemon.process.poll() is None
    assert daemon.count("Traceback") == 0


def test_redis_down_does_not_stop_hand_off(
    fake: FakeAzuraCast,
    database_url: str,
    handoff_root: Path,
    start_daemon: Callable[..., DaemonProcess],
) -> None:
    add_station(database_url, "radio", base_url=fake.url)
    state = StateDir(handoff_root / "radio")
    daemon = start_daemon(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    state.wait_for_title("Warm Up", within=15)
    fake.wait_for_sse_client()
    fake.set_track("No", "Redis")
    state.wait_for_title("Redis", within=2)
    wait_until(lambda: len(query(database_url, "SELECT 1 FROM plays")) == 2, 5, "plays written")
    daemon.wait_for_log("cannot publish live events")
    assert daemon.count("cannot publish live events") == 1
    code, took = daemon.terminate()
    assert code == 0 and took < 5
