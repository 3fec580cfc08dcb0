"""Embedded servers, the local-run preparation, the supervisor, the daemon and `crateloop run`.

Everything here runs real processes and checks /proc afterwards: nothing may be left running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import sqlalchemy
from dramatiq.brokers.redis import RedisBroker

from cli.embedded import (
    EmbeddedServer,
    EmbeddedServerError,
    process_alive,
    start_postgres,
    start_redis,
)
from cli.processes import Child, StopRequest, crateloop_argv, prepare_local_environment, supervise
from domain.config import load_settings
from tests.waiting import wait_until
from tests.web_fixtures import free_port, wait_healthy

REPO = Path(__file__).resolve().parent.parent
# With the suite's metrics folder, a `crateloop run` would empty it under the suite's processes.
SERVER_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "LOOPS_PATH",
    "PORT",
    "PROMETHEUS_MULTIPROC_DIR",
)


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (PostgreSQL's backends and auxiliary processes)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            if int(stat_file.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat_file.parent.name))
    return found


def assert_all_gone(pids: list[int]) -> None:
    alive = [pid for pid in pids if process_alive(pid)]
    assert alive == [], f"processes still running after stop: {alive}"


def clean_env(**extra: str) -> dict[str, str]:
    """The test process environment without any crateloop server setting."""
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    env.update(extra)
    return env


@pytest.fixture
def stopping() -> Iterator[list[EmbeddedServer]]:
    """Servers appended here are stopped even when the test fails half-way."""
    servers: list[EmbeddedServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_embedded_postgres_serves_stops_and_keeps_data(
    tmp_path: Path, stopping: list[EmbeddedServer]
) -> None:
    server = start_postgres(tmp_path / "pg")
    stopping.append(server)
    assert server.url.startswith("postgresql://postgres:")
    assert "@127.0.0.1:" in server.url
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (value text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    pids = [server.pid, *children_of(server.pid)]
    assert len(pids) > 1  # the postmaster and its background processes

    server.stop()
    assert_all_gone(pids)
    server.stop()  # idempotent

    started = time.monotonic()
    again = start_postgres(tmp_path / "pg")
    stopping.append(again)
    assert time.monotonic() - started < 10
    # SQLAlchemy with the psycopg 3 driver, as the app connects.
    engine = sqlalchemy.create_engine(again.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT value FROM kept")).scalar() == "still here"
    engine.dispose()
    pids = [again.pid, *children_of(again.pid)]
    again.stop()
    assert_all_gone(pids)


def test_embedded_postgres_requires_its_password(
    tmp_path: Path, stopping: list[EmbeddedServer]
) -> None:
    server = start_postgres(tmp_path / "pg")
    stopping.append(server)
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(f"postgresql://postgres:wrong@127.0.0.1:{port}/postgres").close()
    assert stat.S_IMODE((tmp_path / "pg" / "password").stat().st_mode) == 0o600


def test_embedded_redis_serves_stops_and_keeps_data(
    tmp_path: Path, stopping: list[EmbeddedServer]
) -> None:
    server = start_redis(tmp_path / "redis")
    stopping.append(server)
    client = redis.Redis.from_url(server.url)
    client.set("crateloop:test", "kept")
    client.close()
    broker = RedisBroker(url=server.url)  # the worker's broker takes the same URL
    assert broker.client.ping()
    broker.close()

    server.stop()
    assert_all_gone([server.pid])

    again = start_redis(tmp_path / "redis")
    stopping.append(again)
    client = redis.Redis.from_url(again.url)
    assert client.get("crateloop:test") == b"kept"
    client.close()
    again.stop()
    assert_all_gone([again.pid])


def test_one_data_dir_has_one_owner(tmp_path: Path, stopping: list[EmbeddedServer]) -> None:
    stopping.append(start_redis(tmp_path / "redis"))
    with pytest.raises(EmbeddedServerError, match="in use by another"):
        start_redis(tmp_path / "redis")


def test_servers_left_by_a_killed_owner_are_taken_over(
    tmp_path: Path, stopping: list[EmbeddedServer]
) -> None:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import time
                from pathlib import Path
                from cli.embedded import start_postgres, start_redis
                pg = start_postgres(Path({str(tmp_path / "pg")!r}))
                rd = start_redis(Path({str(tmp_path / "redis")!r}))
                print(pg.pid, rd.pid, flush=True)
                time.sleep(120)  # alive (owning the servers) until the test kills it
            """),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    orphan_pg, orphan_redis = map(int, owner.stdout.readline().split())
    owner.kill()  # no chance to stop its servers
    owner.wait()
    assert process_alive(orphan_pg)
    assert process_alive(orphan_redis)

    postgres = start_postgres(tmp_path / "pg")
    stopping.append(postgres)
    redis_server = start_redis(tmp_path / "redis")
    stopping.append(redis_server)
    assert postgres.pid == orphan_pg  # reused, data directory and all
    assert not process_alive(orphan_redis)  # stopped cleanly, then a fresh one started
    with psycopg.connect(postgres.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    postgres.stop()
    redis_server.stop()
    assert_all_gone([orphan_pg, redis_server.pid])


def test_local_environment_starts_servers_and_keeps_one_secret_key(tmp_path: Path) -> None:
    var = tmp_path / "var"
    with contextlib.ExitStack() as servers:
        env = prepare_local_environment(clean_env(), var, servers)
        settings = load_settings(env)
        with psycopg.connect(settings.psycopg_url) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert redis.Redis.from_url(settings.redis_url).ping()
        pg_pid = int((var / "pg" / "data" / "postmaster.pid").read_text().split()[0])
        pids = [pg_pid, *children_of(pg_pid), int((var / "redis" / "redis.pid").read_text())]
    assert_all_gone(pids)

    key_file = var / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert env["SECRET_KEY"] == key_file.read_text().strip()
    assert len(env["SECRET_KEY"]) >= 64
    assert Path(env["LOOPS_PATH"]) == var / "loops"
    assert (var / "loops").is_dir()

    with contextlib.ExitStack() as servers:
        again = prepare_local_environment(clean_env(), var, servers)
    assert again["SECRET_KEY"] == env["SECRET_KEY"]


def test_local_environment_uses_given_servers(tmp_path: Path) -> None:
    given = clean_env(
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="k" * 40,
    )
    with contextlib.ExitStack() as servers:
        env = prepare_local_environment(given, tmp_path, servers)
    assert env["DATABASE_URL"] == given["DATABASE_URL"]
    assert env["REDIS_URL"] == given["REDIS_URL"]
    assert env["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / "pg").exists()
    assert not (tmp_path / "redis").exists()
    assert not (tmp_path / "secret_key").exists()


def test_supervisor_stops_everything_when_a_child_dies(capsys: pytest.CaptureFixture[str]) -> None:
    python = sys.executable
    # The sleeps are the children's lives: up until stopped, or dying of their own after 2 s.
    sleeper = Child("web", [python, "-c", "import time; print('up', flush=True); time.sleep(60)"])
    stubborn = Child(
        "daemon",
        [python, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
         " print('up', flush=True); time.sleep(60)"],
    )  # fmt: skip
    dying = Child("worker", [python, "-c", "import time; time.sleep(2); raise SystemExit(3)"])

    started = time.monotonic()
    status = supervise([sleeper, stubborn, dying], clean_env(), StopRequest())
    assert status == 1
    assert time.monotonic() - started < 15  # 1 s + the 5 s grace for the stubborn one
    for child in (sleeper, stubborn, dying):
        assert child.process is not None
        assert not process_alive(child.process.pid)
    out = capsys.readouterr()
    assert "web    | up" in out.out
    assert "worker exited with status 3: stopping everything" in out.err
    assert "daemon did not stop within 5 s: killing it" in out.err


def test_children_stop_when_the_supervisor_is_killed() -> None:
    script = textwrap.dedent("""
        import sys
        from cli.processes import Child, StopRequest, supervise
        sleep = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
        supervise([Child("web", sleep), Child("daemon", sleep)], {}, StopRequest())
    """)
    supervisor = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    pids = []
    while len(pids) < 2:
        line = supervisor.stdout.readline()
        assert line, "supervisor ended early"
        if "started" in line:
            pids.append(int(line.rsplit("pid ", 1)[1].rstrip(")\n")))
    supervisor.kill()  # no chance to stop its children
    supervisor.wait()
    wait_until(lambda: not any(process_alive(pid) for pid in pids), 5, "the children stopped")
    assert_all_gone(pids)


def test_daemon_exits_cleanly_on_sigterm() -> None:
    env = clean_env(
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECRET_KEY="k" * 40,
        PYTHONUNBUFFERED="1",
    )
    daemon = subprocess.Popen(
        [*crateloop_argv(), "daemon"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert daemon.stdout is not None
    assert "daemon up" in daemon.stdout.readline()
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=5) == 0
    assert time.monotonic() - started < 5
    assert "daemon stopped" in daemon.stdout.read()


def test_a_config_error_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [*crateloop_argv(), "daemon"],
        env=clean_env(DATABASE_URL="mysql://x@h/db", REDIS_URL="redis://h", SECRET_KEY="k" * 40),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in result.stderr


def test_crateloop_run_serves_stops_and_restarts_fast(tmp_path: Path) -> None:
    port = free_port()
    var = tmp_path / "var"
    env = clean_env(CRATELOOP_VAR_DIR=str(var), PORT=str(port))
    stale = var / "metrics" / "counter_999999.db"  # a process of an earlier run
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"\0" * 8)

    def counted() -> bool:
        return any((var / "metrics").glob("counter_*.db"))

    for attempt, timeout in (("first", 40.0), ("second", 10.0)):
        log = tmp_path / f"{attempt}.log"
        with log.open("wb") as output:
            run = subprocess.Popen(
                [*crateloop_argv(), "run"], cwd=tmp_path, env=env, stdout=output, stderr=output
            )
        try:
            wait_healthy(f"http://127.0.0.1:{port}", run, timeout)
            # Its figures start from zero: only this run's processes write there.
            assert not stale.exists()
            wait_until(counted, 5, "the web's requests counted in var/metrics")
            pg_pid = int((var / "pg/data/postmaster.pid").read_text().split()[0])
            servers = [pg_pid, *children_of(pg_pid), int((var / "redis/redis.pid").read_text())]
            run.send_signal(signal.SIGTERM)
            assert run.wait(timeout=20) == 0, f"{attempt} run did not exit cleanly"
        except BaseException:
            print(log.read_text(errors="replace"))  # shown by pytest on failure
            raise
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
                # Its servers are orphans now: take them over to stop them.
                start_postgres(var / "pg").stop()
                start_redis(var / "redis").stop()
        assert_all_gone(servers)
        assert "run    | stopped" in log.read_text()
    assert (var / "secret_key").exists()
    assert (var / "loops" / "default.mp4").exists() or shutil.which("ffmpeg") is None
