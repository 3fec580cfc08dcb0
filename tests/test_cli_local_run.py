"""Commands in a second shell beside `make run`: they find its embedded servers and key by
themselves, `crateloop env` prints them for a shell, and a stopped run is said in one line.

The local run is the real one: `prepare_local_environment` (what `crateloop run` does) starts
embedded PostgreSQL and Redis under a temporary project folder; every command is a new process.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from cli.processes import crateloop_argv, prepare_local_environment
from domain.migrate import upgrade
from tests.test_processes import clean_env


@dataclass(frozen=True)
class LocalRun:
    folder: Path  # the project folder, holding var/
    env: dict[str, str]  # what `crateloop run` gave its children


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRun]:
    folder = tmp_path_factory.mktemp("project")
    with contextlib.ExitStack() as servers:
        env = prepare_local_environment(clean_env(), folder / "var", servers)
        upgrade(env["DATABASE_URL"])
        yield LocalRun(folder, env)


def crateloop(
    *args: str, cwd: Path, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess[str]:
    """One `crateloop` command in its own process, with no server variable of ours."""
    return subprocess.run(
        [*crateloop_argv(), *args],
        cwd=cwd,
        env=clean_env(**extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_commands_beside_a_running_local_run_find_its_servers(
    local_run: LocalRun, tmp_path: Path
) -> None:
    created = crateloop(
        "user", "create", "second-shell", cwd=local_run.folder, stdin="a long password here\n"
    )
    assert created.returncode == 0, created.stderr
    assert "created admin user second-shell" in created.stdout
    with psycopg.connect(local_run.env["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT username FROM users").fetchall() == [("second-shell",)]

    # Anywhere else, CRATELOOP_VAR_DIR names the folder.
    elsewhere = crateloop("stats", cwd=tmp_path, CRATELOOP_VAR_DIR=str(local_run.folder / "var"))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "mappings: 0 total" in elsewhere.stdout


def test_env_prints_urls_a_shell_can_eval_and_no_secret(local_run: LocalRun) -> None:
    printed = crateloop("env", cwd=local_run.folder)
    assert printed.returncode == 0, printed.stderr
    database_password = (local_run.folder / "var/pg/password").read_text().strip()
    redis_password = (local_run.folder / "var/redis/password").read_text().strip()
    for secret in (database_password, redis_password, local_run.env["SECRET_KEY"]):
        assert secret not in printed.stdout
    assert "SECRET_KEY" not in printed.stdout

    evaluated = subprocess.run(
        ["sh", "-c", 'eval "$1" && printf "%s\\n%s\\n" "$DATABASE_URL" "$REDIS_URL"', "sh",
         printed.stdout],
        capture_output=True, text=True, timeout=10, check=True,
    )  # fmt: skip
    assert evaluated.stdout.splitlines() == [
        local_run.env["DATABASE_URL"],
        local_run.env["REDIS_URL"],
    ]

    shown = crateloop("env", "--show-secrets", cwd=local_run.folder)
    assert shown.returncode == 0, shown.stderr
    assert f"export DATABASE_URL={local_run.env['DATABASE_URL']}" in shown.stdout
    assert f"export SECRET_KEY={local_run.env['SECRET_KEY']}" in shown.stdout


def test_variables_set_in_the_environment_win(local_run: LocalRun) -> None:
    given = crateloop("stats", cwd=local_run.folder, DATABASE_URL="mysql://x@h/db")
    assert given.returncode == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in given.stderr

    printed = crateloop("env", cwd=local_run.folder, REDIS_URL="redis://127.0.0.1:6379/0")
    assert "# REDIS_URL is set in your environment already" in printed.stdout


def test_a_stopped_local_run_is_said_in_one_line(tmp_path: Path) -> None:
    # What `make run` leaves once stopped: data folders and the key, no server running.
    (tmp_path / "var/pg/data").mkdir(parents=True)
    (tmp_path / "var/redis").mkdir()
    (tmp_path / "var/secret_key").write_text("k" * 64 + "\n")

    stats = crateloop("stats", cwd=tmp_path)
    assert stats.returncode == 2
    assert stats.stderr.count("\n") == 1
    assert "is stopped: start it with `make run`" in stats.stderr

    env = crateloop("env", cwd=tmp_path)
    assert (env.returncode, env.stdout) == (1, "")
    assert env.stderr.count("\n") == 1
    assert "is stopped: start it with `make run`" in env.stderr


def test_no_local_run_ever_is_said_in_one_line(tmp_path: Path) -> None:
    for command in ("env", "stats"):
        result = crateloop(command, cwd=tmp_path)
        assert result.returncode in (1, 2)
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert "no local run found" in result.stderr
        assert "start one with `make run`" in result.stderr
