"""Reading what the embedded servers of a local run left in their data folders: is one running,
on which port, behind which password. Light on purpose (no server libraries): every command
reads this at start-up (`cli/local_run.py`), and `cli/embedded.py` builds on it.
"""

from __future__ import annotations

from pathlib import Path


def process_alive(pid: int) -> bool:
    """True while `pid` is a running process (zombies count as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def running_postmaster(pgdata: Path) -> tuple[int, int] | None:
    """(pid, port) of a postmaster still running on `pgdata`, e.g. after its owner was killed."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    if process_alive(pid) and "postgres" in _cmdline(pid):
        return pid, port
    return None


def running_postgres_url(data_dir: Path) -> str | None:
    """The URL of the PostgreSQL another process runs on `data_dir`, or None when none runs.

    Reads what the owner left there (postmaster.pid, the password file) and takes no lock: for
    commands beside a running `crateloop run`.
    """
    running = running_postmaster(data_dir / "data")
    password = _stored_password(data_dir / "password")
    if running is None or password is None:
        return None
    return f"postgresql://postgres:{password}@127.0.0.1:{running[1]}/postgres"


def _stored_password(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def running_redis_url(data_dir: Path) -> str | None:
    """The URL of the Redis another process runs on `data_dir`, or None when none runs."""
    try:
        pid = int((data_dir / "redis.pid").read_text().strip())
        config = (data_dir / "redis.conf").read_text().splitlines()
    except (OSError, ValueError):
        return None
    port = next((line.split()[1] for line in config if line.startswith("port ")), None)
    password = _stored_password(data_dir / "password")
    if port is None or password is None or not is_redis(pid):
        return None
    return f"redis://:{password}@127.0.0.1:{port}/0"


def is_redis(pid: int) -> bool:
    """True while `pid` is a running redis-server (a pid file may outlive its process)."""
    return process_alive(pid) and "redis-server" in _cmdline(pid)
