"""Where the processes' figures meet: prometheus-client's multi-process folder.

The web, worker and daemon processes each write their counters, gauges and histograms into small
memory-mapped files in one folder (`PROMETHEUS_MULTIPROC_DIR`, default `var/metrics`); `GET
/metrics` sums them. prometheus-client picks that storage when it is first imported, so
`use()` must set the variable before anything imports it: `domain.metrics` and
`domain.metrics_scrape` call it first and are the only modules that import prometheus-client.

The folder belongs to one host's processes. `crateloop run` empties it before it starts them
(`clear`). Counters and histograms of processes that ended keep counting (they are what
happened); live gauges (stations watched) of processes no longer running are dropped by `use`,
which every process calls when it first writes and /metrics on every scrape.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from domain.var_dir import VAR_DIR

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT = VAR_DIR / "metrics"
# prometheus-client's file of one process's live gauges: gauge_live<mode>_<pid>.db
_LIVE_GAUGES = re.compile(r"^gauge_live\w+?_(\d+)\.db$")


def folder(env: Mapping[str, str] | None = None) -> Path:
    """The folder the processes of `env` (default: this one's) write their figures to."""
    env = os.environ if env is None else env
    return Path(env.get(VARIABLE, "").strip() or DEFAULT).resolve()


def use() -> Path:
    """Point prometheus-client at the folder (the variable set for this process and its
    children), create it, and drop the live gauges of processes that no longer run."""
    path = folder()
    os.environ[VARIABLE] = str(path)
    path.mkdir(parents=True, exist_ok=True)
    for pid in _live_gauge_pids(path):
        if not _running(pid):
            _drop_live_gauges(path, pid)
    return path


def clear(path: Path | None = None) -> None:
    """Empty the folder: figures start from zero (before a set of processes starts)."""
    path = folder() if path is None else path
    if path.is_dir():
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)


def _live_gauge_pids(path: Path) -> set[int]:
    found = (_LIVE_GAUGES.match(entry.name) for entry in path.iterdir())
    return {int(match.group(1)) for match in found if match}


def _drop_live_gauges(path: Path, pid: int) -> None:
    for file in path.glob(f"gauge_live*_{pid}.db"):
        file.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True
