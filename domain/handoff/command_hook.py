"""The command-hook adapter: run the operator's command with the switch in its environment.

Hooks run only when the environment sets ALLOW_COMMAND_HOOKS=1 (`adapters_for` checks it), and
their environment is the switch and PATH alone, never the daemon's secrets.

`apply` starts the command and returns at once; a background task waits for it, kills its whole
process group at the timeout, and logs the outcome. A newer switch for the same station kills a
hook that is still running, so a hanging hook never delays or overlaps the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
from dataclasses import dataclass

from domain.handoff.switch import HandoffError, Switch

log = logging.getLogger(__name__)

OUTPUT_KEPT = 4096  # bytes of the hook's output kept for the log; the rest is read and dropped
OUTPUT_LINES = 5
READ_GRACE = 0.5  # seconds to collect output after the hook exits


@dataclass(slots=True)
class _Running:
    process: asyncio.subprocess.Process
    task: asyncio.Task[None]


# One running hook per station, across adapter instances (the daemon rebuilds them on a reload).
_running: dict[str, _Running] = {}


class CommandHook:
    """Runs one command (split like a shell would, but without a shell) on every switch."""

    name = "command_hook"

    def __init__(self, command: str, *, timeout: float) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as error:
            raise HandoffError(f"hook command {command!r} cannot be split: {error}") from error
        if not self.argv:
            raise HandoffError("hook command is empty")
        if not timeout > 0:
            raise HandoffError(f"hook timeout must be more than 0 seconds (got {timeout})")
        self.timeout = timeout

    async def apply(self, switch: Switch) -> None:
        """Start the hook for `switch` (killing this station's older one) and return at once."""
        stop_hook(switch.station, "a newer switch came")
        try:
            process = await asyncio.create_subprocess_exec(
                *self.argv,
                env=hook_environment(switch),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: a timeout kills its children too
            )
        except OSError as error:
            reason = error.strerror or str(error)
            raise HandoffError(f"cannot run hook {self.argv[0]!r}: {reason}") from error
        task = asyncio.create_task(
            self._watch(process, switch.station), name=f"hook:{switch.station}"
        )
        _running[switch.station] = _Running(process, task)
        task.add_done_callback(lambda done: _forget(switch.station, done))

    async def _watch(self, process: asyncio.subprocess.Process, station: str) -> None:
        assert process.stdout is not None
        reader = asyncio.create_task(_first_output(process.stdout))
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    code = await process.wait()
            except TimeoutError:
                await _kill_and_reap(process)
                log.warning(
                    "hook %s for station %s timed out after %g s: killed it",
                    self.argv[0],
                    station,
                    self.timeout,
                )
                return
            output = await _collected(reader)
            if code != 0:
                log.warning(
                    "hook %s for station %s exited with %d: %s",
                    self.argv[0],
                    station,
                    code,
                    output or "(no output)",
                )
            elif output:
                log.debug("hook %s for station %s said: %s", self.argv[0], station, output)
        except asyncio.CancelledError:
            await _kill_and_reap(process)
            raise
        finally:
            reader.cancel()


# What a hook may see of the daemon's environment: where programs are and how text is encoded.
# Everything else (DATABASE_URL, SECRET_KEY, REDIS_URL, API keys) stays out of a hook's reach.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


def hook_environment(switch: Switch) -> dict[str, str]:
    """The hook's whole environment: the switch (empty strings for unknowns), PATH and LANG."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.setdefault("PATH", DEFAULT_PATH)
    env.update(
        LOOP_PATH=switch.loop_path,
        ARTIST=switch.artist or "",
        TITLE=switch.title or "",
        SONG_ID=switch.song_id or "",
        SH_ID="" if switch.sh_id is None else str(switch.sh_id),
        REASON=switch.reason,
        STATION=switch.station,
    )
    return env


def stop_hook(station: str, why: str) -> None:
    """Kill the station's hook if one is still running (its watcher logs nothing more)."""
    running = _running.pop(station, None)
    if running is None or running.task.done():
        return
    log.info("killing the still-running hook of station %s: %s", station, why)
    _kill(running.process)
    with contextlib.suppress(RuntimeError):
        if running.task.get_loop() is asyncio.get_running_loop():
            running.task.cancel()


def _forget(station: str, task: asyncio.Task[None]) -> None:
    running = _running.get(station)
    if running is not None and running.task is task:
        del _running[station]


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


async def _kill_and_reap(process: asyncio.subprocess.Process) -> None:
    _kill(process)
    # A child that left the process group may keep the output pipe open: do not wait for it.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await process.wait()


async def _first_output(stream: asyncio.StreamReader) -> str:
    kept = bytearray()
    while chunk := await stream.read(65536):
        kept += chunk[: max(0, OUTPUT_KEPT - len(kept))]
    lines = kept.decode(errors="replace").splitlines()[:OUTPUT_LINES]
    return " | ".join(line.strip() for line in lines if line.strip())


async def _collected(reader: asyncio.Task[str]) -> str:
    try:
        async with asyncio.timeout(READ_GRACE):
            return await asyncio.shield(reader)
    except TimeoutError:
        return ""
