"""Finding the servers and key of a local run (`make run`), for every other command in the folder.

`crateloop run` keeps all it makes under the var folder (`CRATELOOP_VAR_DIR`, default `var/`):
the embedded PostgreSQL in `pg/` (its port in `pg/data/postmaster.pid`, its password in
`pg/password`), the embedded Redis in `redis/` (`redis.conf`, `redis.pid`, `password`) and the
generated `secret_key`. A command run beside it reads them from there, so `crateloop stats` in a
second shell just works. A variable set in the environment (or `.env`) always wins. While
`make run` is stopped its servers are not started behind the user's back: the command says so.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from cli.exits import fail
from cli.server_files import running_postgres_url, running_redis_url
from domain.config import environment
from domain.var_dir import VAR_DIR

SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL")


@dataclass(frozen=True, slots=True)
class LocalRun:
    """What a local run left in `var_dir`: the URLs of its servers while they run, its key."""

    var_dir: Path
    database_url: str | None
    redis_url: str | None
    secret_key: str | None

    @property
    def running(self) -> bool:
        """True while one of its servers runs (`make run` may have been given the other)."""
        return self.database_url is not None or self.redis_url is not None

    @property
    def ever_started(self) -> bool:
        return any((self.var_dir / name).exists() for name in ("pg", "redis", "secret_key"))

    def variables(self) -> dict[str, str]:
        """The settings found, by variable name."""
        found = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self.secret_key,
        }
        return {name: value for name, value in found.items() if value is not None}

    def status(self) -> str:
        """One line saying why the servers cannot be used, naming `make run`."""
        if not self.ever_started:
            return (
                f"no local run found in {self.var_dir}: start one with `make run` in the project"
                " folder (or set DATABASE_URL, REDIS_URL and SECRET_KEY)"
            )
        return (
            f"the local run in {self.var_dir} is stopped: start it with `make run`"
            " (in another shell), then run this command again"
        )


def find_local_run(var_dir: Path) -> LocalRun:
    """Read what a local run left in `var_dir` (nothing is started, nothing is locked)."""
    try:
        secret_key = (var_dir / "secret_key").read_text().strip() or None
    except OSError:
        secret_key = None
    return LocalRun(
        var_dir=var_dir,
        database_url=running_postgres_url(var_dir / "pg"),
        redis_url=running_redis_url(var_dir / "redis"),
        secret_key=secret_key,
    )


def fill_in(env: Mapping[str, str], found: LocalRun) -> dict[str, str]:
    """The variables `env` lacks that the local run has; what `env` sets always wins."""
    return {
        name: value for name, value in found.variables().items() if not env.get(name, "").strip()
    }


def missing_servers(env: Mapping[str, str]) -> list[str]:
    """The server variables `env` still lacks."""
    return [name for name in SERVER_VARIABLES if not env.get(name, "").strip()]


def shell_lines(found: LocalRun, env: Mapping[str, str], *, show_secrets: bool) -> list[str]:
    """`export` lines a shell can eval, for the servers of a running local run.

    Without `show_secrets` no password is printed: the shell reads each from its file (mode 0600)
    when it evaluates the line, and SECRET_KEY is left out.
    """
    lines = [f"# crateloop: the local run in {found.var_dir}"]
    urls = {"DATABASE_URL": found.database_url, "REDIS_URL": found.redis_url}
    password_files = {"DATABASE_URL": found.var_dir / "pg", "REDIS_URL": found.var_dir / "redis"}
    for name, url in urls.items():
        if url is None:
            lines.append(f"# {name}: no embedded server of this run (it was given one)")
            continue
        if env.get(name, "").strip():
            lines.append(f"# {name} is set in your environment already: crateloop uses that one")
        if show_secrets:
            lines.append(f"export {name}={shlex.quote(url)}")
        else:
            lines.append(f"export {name}={_password_read_by_shell(url, password_files[name])}")
    if show_secrets and found.secret_key is not None:
        lines.append(f"export SECRET_KEY={shlex.quote(found.secret_key)}")
    return lines


def _password_read_by_shell(url: str, data_dir: Path) -> str:
    """`url` double-quoted, its password replaced by `$(cat 'DATA_DIR/password')`."""
    scheme, rest = url.split("://", 1)
    credentials, address = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    password_file = shlex.quote(str(data_dir / "password"))
    # The generated passwords are URL-safe (secrets.token_urlsafe): no quoting needed inside.
    return f'"{scheme}://{user}:$(cat {password_file})@{address}"'


@click.command("env")
@click.option("--show-secrets", is_flag=True, help="Print the passwords and SECRET_KEY themselves.")
def env_command(show_secrets: bool) -> None:
    """Print the local run's DATABASE_URL and REDIS_URL for a shell.

    eval "$(crateloop env)" sets them; the passwords are read from their files (mode 0600) as
    the shell evaluates the lines, so none is printed unless --show-secrets.
    """
    found = find_local_run(VAR_DIR)
    if not found.running:
        fail(found.status())
    for line in shell_lines(found, environment(), show_secrets=show_secrets):
        click.echo(line)


COMMANDS: list[click.Command] = [env_command]
