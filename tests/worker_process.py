"""The real worker process for tests that need jobs run (imports): a module-scoped fixture.

Registered through `pytest_plugins` in tests/conftest.py. The worker gets the suite's environment,
so it talks to the suite's database, Redis and fake 1001tracklists site.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli.processes import crateloop_argv

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def running_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """`crateloop worker` as a real process with `env`, one process and one thread (FIFO)."""
    process = subprocess.Popen(
        [*crateloop_argv(), "worker", "--processes", "1", "--threads", "1"],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: Dramatiq forks worker processes
    )
    try:
        yield process
    finally:
        # Only the main process: it stops its workers (a SIGTERM of their own would make it
        # kill them, which takes longer).
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def worker(app_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The worker on the suite's environment, for the module's tests."""
    with running_worker(app_env) as process:
        yield process
