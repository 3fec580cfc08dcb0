"""The long-running daemon: one asyncio task per watcher, stopped cleanly by SIGTERM or SIGINT.

Watchers: the station supervisor (every enabled station this process leads), the daily
loop check, the periodic collection scan and the periodic enrichment. On SIGTERM hand-offs in
flight finish, locks are released and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

from daemon.collection_scan_schedule import schedule_collection_scans
from daemon.enrichment_schedule import schedule_enrichment
from daemon.loop_check_schedule import schedule_loop_checks
from daemon.supervisor import supervise_stations
from domain.config import ConfigError, Settings, configure_logging, get_settings
from domain.resources import Resources

Watcher = Callable[[Resources], Coroutine[Any, Any, None]]

WATCHERS: list[Watcher] = [
    supervise_stations,
    schedule_loop_checks,
    schedule_collection_scans,
    schedule_enrichment,
]
STOP_TIMEOUT_SECONDS = 4.0
# How the start-up line names each watcher.
WATCHER_NAMES = {
    "supervise_stations": "station supervisor",
    "schedule_loop_checks": "daily loop check",
    "schedule_collection_scans": "collection scan",
    "schedule_enrichment": "enrichment",
}

log = logging.getLogger("crateloop.daemon")


def run() -> None:
    """Run the daemon until SIGTERM/SIGINT; exit non-zero if a watcher fails."""
    settings = get_settings()
    configure_logging(settings)
    # httpx logs every request at INFO: with dozens of stations polled, that drowns what matters.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    asyncio.run(_main(settings, WATCHERS))


async def _main(settings: Settings, watchers: list[Watcher]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    resources = Resources.open(settings)
    try:
        await _watch(resources, watchers, stop)
    finally:
        await resources.close()
    log.info("daemon stopped")


async def _watch(resources: Resources, watchers: list[Watcher], stop: asyncio.Event) -> None:
    tasks = [asyncio.create_task(watch(resources), name=watch.__name__) for watch in watchers]
    stopping = asyncio.create_task(stop.wait(), name="stop")
    # The watchers by name: how many stations there are is the supervisor's to say, once it knows.
    log.info(
        "daemon up: %s",
        ", ".join(WATCHER_NAMES.get(task.get_name(), task.get_name()) for task in tasks),
    )
    done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)

    failed = [task for task in done if task is not stopping]
    for task in [stopping, *tasks]:
        task.cancel()
    # Watchers get a bounded time to clean up, so a supervisor's SIGKILL never has to come.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True), timeout=STOP_TIMEOUT_SECONDS
        )
    for task in failed:
        error = None if task.cancelled() else task.exception()
        if isinstance(error, ConfigError):
            raise error  # a bad NOWPLAYING_* variable: one line from the CLI, exit status 2
        log.error("watcher %s stopped unexpectedly: %r", task.get_name(), error)
    if failed:
        raise SystemExit(1)
