"""Process commands: `run` (all, locally), `web`, `worker`, `daemon`, `db upgrade|downgrade`."""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

import click

from domain import metrics_dir
from domain.config import (
    ConfigError,
    Settings,
    configure_logging,
    environment,
    get_settings,
    load_settings,
)
from domain.var_dir import VAR_DIR

SignalHandler = Callable[[int, FrameType | None], Any] | int | None

STOP_GRACE_SECONDS = 5.0
HEADERS_MAX_BYTES = 64 * 1024
NAME_WIDTH = 6
COLOURS = {"run": "green", "db": "blue", "web": "cyan", "worker": "magenta", "daemon": "yellow"}


# --- output --------------------------------------------------------------------------------------

_output_lock = threading.Lock()


def say(name: str, line: str, *, err: bool = False) -> None:
    """Print one line prefixed with the process name in its colour (`web    | ...`)."""
    prefix = click.style(f"{name:<{NAME_WIDTH}} |", fg=COLOURS.get(name, "white"), bold=True)
    with _output_lock:
        click.echo(f"{prefix} {line}", err=err)


def _pump(name: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        say(name, raw.decode(errors="replace").rstrip("\r\n"))
    stream.close()


# --- signals -------------------------------------------------------------------------------------


class StopRequest:
    """Turns SIGINT/SIGTERM/SIGHUP into a flag, so `run` exits normally and stops its servers."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[signal.Signals, SignalHandler] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if not self.requested:
            say("run", f"{signal.Signals(signum).name} received: stopping")
        self.requested = True

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        try:
            yield self
        finally:
            for previous_signum, handler in self._previous.items():
                signal.signal(previous_signum, handler)


# --- children ------------------------------------------------------------------------------------


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.CDLL(None, use_errno=True)


_LIBC = _libc()
PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In the forked child: have Linux SIGTERM it if `run` dies without stopping it (SIGKILL)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """A supervised child process whose output is printed line by line under `name`."""

    name: str
    argv: list[str]
    # The next child starts only once this port accepts connections (or this one ends): on a busy
    # machine the web process then gets the CPU first and serves sooner.
    listens_on: int | None = None
    process: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        # Own session and process group: a terminal Ctrl-C reaches only `run`, which stops the
        # children in order; killpg also reaches their own children (Dramatiq's worker processes).
        self.process = subprocess.Popen(
            self.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A single prctl: safe to run between fork and exec while our pump threads run.
            preexec_fn=_stop_with_parent,
        )
        assert self.process.stdout is not None
        self.pump = threading.Thread(
            target=_pump, args=(self.name, self.process.stdout), daemon=True
        )
        self.pump.start()

    def signal_group(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signum)

    def group_alive(self) -> bool:
        if self.process is None:
            return False
        self.process.poll()
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return self.process.returncode is None or _group_has_live_member(self.process.pid)


def _group_has_live_member(pgid: int) -> bool:
    """True when a non-zombie process of group `pgid` remains (killpg(0) also sees zombies)."""
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def supervise(children: Sequence[Child], env: dict[str, str], stop: StopRequest) -> int:
    """Start `children`, wait for a stop request or a child exit, stop them all; return a status.

    0 after a stop request; 1 when a child exited on its own (that is always a failure here).
    """
    status = 0
    try:
        for child in children:
            child.start(env)
            say("run", f"started {child.name} (pid {child.process.pid if child.process else '?'})")
            if child.listens_on is not None:
                _wait_listening(child, child.listens_on, stop)
        while not stop.requested:
            ended = next((c for c in children if c.process and c.process.poll() is not None), None)
            if ended is not None and ended.process is not None:
                say(
                    "run",
                    f"{ended.name} exited with status {ended.process.returncode}:"
                    " stopping everything",
                    err=True,
                )
                status = 1
                break
            time.sleep(0.1)
    finally:
        stop_children(children)
    return status


def _wait_listening(child: Child, port: int, stop: StopRequest, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not stop.requested and time.monotonic() < deadline:
        if child.process is None or child.process.poll() is not None:
            return
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)


def stop_children(children: Sequence[Child], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every child; SIGKILL what remains of its process group after `grace` seconds."""
    for child in children:
        # Only the child itself: Dramatiq's main process stops its workers, and a second SIGTERM
        # sent to them directly would make Dramatiq kill them instead of letting them finish.
        if child.process is not None and child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + grace
    while any(c.group_alive() for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    for child in children:
        if child.group_alive():
            say("run", f"{child.name} did not stop within {grace:.0f} s: killing it", err=True)
            child.signal_group(signal.SIGKILL)
        if child.process is not None:
            child.process.wait()
        if child.pump is not None:
            child.pump.join(timeout=1)


# --- local environment ---------------------------------------------------------------------------


def crateloop_argv() -> list[str]:
    """How to run this CLI in a child process: the console script next to our interpreter."""
    script = Path(sys.executable).with_name("crateloop")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli.main import main; main()"]


def secret_key(var_dir: Path) -> str:
    """The local SECRET_KEY: generated once into `var_dir/secret_key` (mode 0600), then reused."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    return value


def prepare_local_environment(
    env: dict[str, str], var_dir: Path, servers: contextlib.ExitStack
) -> dict[str, str]:
    """Fill in what a local run lacks: embedded servers, SECRET_KEY, LOOPS_PATH (all under var/).

    Servers started here are stopped when `servers` closes.
    """
    from cli.embedded import EmbeddedServerError, start_postgres, start_redis  # local runs only

    env = dict(env)
    var_dir.mkdir(parents=True, exist_ok=True)
    env["CRATELOOP_VAR_DIR"] = str(var_dir)
    try:
        if not env.get("DATABASE_URL", "").strip():
            say("run", f"DATABASE_URL is unset: starting embedded PostgreSQL in {var_dir / 'pg'}")
            postgres = start_postgres(var_dir / "pg")
            servers.callback(postgres.stop)
            env["DATABASE_URL"] = postgres.url
        if not env.get("REDIS_URL", "").strip():
            say("run", f"REDIS_URL is unset: starting embedded Redis in {var_dir / 'redis'}")
            redis = start_redis(var_dir / "redis")
            servers.callback(redis.stop)
            env["REDIS_URL"] = redis.url
    except EmbeddedServerError as error:
        raise click.ClickException(str(error)) from error  # one clear line, no traceback
    if not env.get("SECRET_KEY", "").strip():
        env["SECRET_KEY"] = secret_key(var_dir)
    if not env.get("LOOPS_PATH", "").strip():
        env["LOOPS_PATH"] = str(var_dir / "loops")
        (var_dir / "loops").mkdir(exist_ok=True)
    return env


def ensure_default_loop(settings: Settings) -> None:
    """Create the default loop with ffmpeg when it is missing, so a fresh install has one."""
    target = Path(settings.default_loop)
    if not target.is_absolute():
        target = settings.loops_path / target
    if target.exists():
        return
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        say("run", f"WARNING: default loop {target} is missing and ffmpeg is not installed;"
            " install ffmpeg or set DEFAULT_LOOP to an existing .mp4", err=True)  # fmt: skip
        return
    say("run", f"creating the default loop {target} with ffmpeg")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    result = subprocess.run(
        [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=10",
            "-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000",
            "-shortest", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-movflags", "+faststart", "-f", "mp4", str(partial),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        say("run", f"WARNING: ffmpeg could not create {target}: {result.stderr.strip()}", err=True)
        return
    # Readers (the daemon, the encoder) must never see a half-written loop.
    os.replace(partial, target)


# --- commands ------------------------------------------------------------------------------------


@click.command("run")
def run_command() -> None:
    """Run web, worker and daemon together, locally.

    Without DATABASE_URL / REDIS_URL it starts embedded PostgreSQL / Redis with data under var/;
    without SECRET_KEY it generates one into var/secret_key. Ctrl-C or SIGTERM stops everything.
    """
    with StopRequest().installed() as stop, contextlib.ExitStack() as servers:
        env = prepare_local_environment(environment(), VAR_DIR, servers)
        env["PYTHONUNBUFFERED"] = "1"  # children's log lines appear as they happen
        # The figures of this run's processes only: /metrics starts from zero, no dead pid's.
        figures = metrics_dir.folder(env)
        env[metrics_dir.VARIABLE] = str(figures)
        metrics_dir.clear(figures)
        settings = load_settings(env)
        if not stop.requested:
            ensure_default_loop(settings)
        if not stop.requested:
            # In-process: this interpreter has SQLAlchemy loaded already; a `crateloop db upgrade`
            # child would cost seconds of start-up on a busy machine.
            from domain.migrate import upgrade

            say("run", "applying migrations")
            upgrade(settings.database_url)
        if stop.requested:
            return
        say("run", f"web will listen on http://127.0.0.1:{settings.port}")
        cli = crateloop_argv()
        children = [
            Child("web", [*cli, "web"], listens_on=settings.port),
            Child("worker", [*cli, "worker"]),
            Child("daemon", [*cli, "daemon"]),
        ]
        status = supervise(children, env, stop)
    say("run", "stopped")
    if status:
        raise SystemExit(status)


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port to listen on [default: $PORT].")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Web processes [default: $WEB_CONCURRENCY, else 1].",
)
def web_command(host: str, port: int | None, workers: int | None) -> None:
    """Serve the web app (pages and JSON API) with uvicorn."""
    import uvicorn

    settings = get_settings()
    if port is not None:
        # create_app() reads its settings from the environment: the setup URL names this port.
        os.environ["PORT"] = str(port)
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=host,
        port=port or settings.port,
        workers=workers or _web_concurrency(),
        log_level=settings.log_level.lower(),
        # Open live-update streams must not hold a shutdown beyond the supervisor's grace time.
        timeout_graceful_shutdown=3,
        # httptools (uvicorn's default parser) caps no header size; h11 refuses a request whose
        # headers pass this many bytes with a 400 before the app sees it (docs: DESIGN §9).
        http="h11",
        h11_max_incomplete_event_size=HEADERS_MAX_BYTES,
    )


def _web_concurrency() -> int:
    """WEB_CONCURRENCY, the variable Procfile hosts set to the number of web processes."""
    raw = os.environ.get("WEB_CONCURRENCY", "").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ConfigError(f"WEB_CONCURRENCY must be a whole number from 1 to 64 (got {raw!r})")
    return int(raw)


@click.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1))
def worker_command(processes: int, threads: int) -> None:
    """Run the Dramatiq worker on the `worker.actors` module."""
    get_settings()  # a bad setting stops here with one line, before Dramatiq starts
    argv = [sys.executable, "-m", "dramatiq", "worker.actors"]
    argv += ["--processes", str(processes), "--threads", str(threads)]
    sys.stdout.flush()
    sys.stderr.flush()
    # exec, so signals from a supervisor reach Dramatiq itself.
    os.execv(sys.executable, argv)  # noqa: S606 (argv is ours; no shell involved)


@click.command("daemon")
def daemon_command() -> None:
    """Run the daemon (station watchers and periodic jobs) until SIGTERM."""
    from daemon.main import run

    run()


@click.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from domain.migrate import upgrade

    settings = get_settings()
    configure_logging(settings)  # Alembic reports each applied revision through logging
    upgrade(settings.database_url, revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION: -1 for one step, base for all."""
    from domain.migrate import downgrade

    settings = get_settings()
    configure_logging(settings)
    downgrade(settings.database_url, revision)


COMMANDS: list[click.Command] = [
    run_command,
    web_command,
    worker_command,
    daemon_command,
    db_group,
]
