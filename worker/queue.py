"""Queueing loop checks: what web and CLI hand TrackMapper as `on_loop_changed`."""

from __future__ import annotations

from collections.abc import Sequence

from domain.loop_check import batches
from worker.actors import check_all_loops, check_loops


def queue_loop_checks(ids: Sequence[int]) -> None:
    """Ask the worker to check these mappings' loops, in messages of a bounded size."""
    for batch in batches(ids):
        check_loops.send(batch)


def queue_all_loop_checks() -> None:
    """Ask the worker to re-check every active mapping (the daemon schedules this daily)."""
    check_all_loops.send()
