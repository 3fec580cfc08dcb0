"""`crateloop user create` and `crateloop token create|revoke`, against the real database."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.config import Settings
from tests.web_fixtures import Client, log_in_client

pytestmark = pytest.mark.usefixtures("clean_db")


def run(app_env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(crateloop, list(args), env=app_env, input=stdin)


def test_user_create_reads_the_password_from_stdin(
    app_env: dict[str, str], database_url: str
) -> None:
    result = run(app_env, "user", "create", "dj.one", "--admin", stdin="long enough pw\n")
    assert result.exit_code == 0, result.output
    assert "created admin user dj.one" in result.output
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT username, roles, password_hash FROM users").fetchone()
    assert row is not None
    assert row[:2] == ("dj.one", ["admin"])
    assert row[2].startswith("$argon2id$")
    assert "long enough pw" not in row[2]


def test_user_create_errors_name_the_field(app_env: dict[str, str], database_url: str) -> None:
    bad_name = run(app_env, "user", "create", "Bad Name", stdin="long enough pw\n")
    assert bad_name.exit_code == 1
    assert "username must be 1 to 64 characters" in bad_name.output
    short = run(app_env, "user", "create", "ok", stdin="short\n")
    assert short.exit_code == 1
    assert "password must be at least 8 characters" in short.output
    assert run(app_env, "user", "create", "ok", stdin="long enough pw\n").exit_code == 0
    taken = run(app_env, "user", "create", "ok", stdin="long enough pw\n")
    assert taken.exit_code == 1
    assert "taken" in taken.output
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)


def test_token_create_and_revoke(app_env: dict[str, str], database_url: str) -> None:
    assert run(app_env, "user", "create", "bot", stdin="long enough pw\n").exit_code == 0
    created = run(app_env, "token", "create", "bot", "--name", "ci")
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    assert token.startswith("cl_") and len(token) > 30
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT name, token_hash FROM api_tokens").fetchall()
    assert [name for name, _ in stored] == ["ci"]
    assert token not in stored[0][1]  # only the hash is kept

    unknown = run(app_env, "token", "create", "nobody")
    assert unknown.exit_code == 1
    assert "no user named 'nobody'" in unknown.output

    revoked = run(app_env, "token", "revoke", "bot", "--name", "ci")
    assert "revoked 1 token of bot" in revoked.output


async def test_created_user_can_log_in_and_token_works(
    app_env: dict[str, str], anon_client: Client, settings: Settings
) -> None:
    # The CLI runs its own event loop: give it a thread of its own.
    made = await asyncio.to_thread(
        run, app_env, "user", "create", "cli.user", stdin="long enough pw\n"
    )
    assert made.exit_code == 0
    token = (await asyncio.to_thread(run, app_env, "token", "create", "cli.user")).output.strip()
    answer = await anon_client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert (await log_in_client(anon_client, "cli.user", "long enough pw")).status_code == 303


def _roles(database_url: str) -> dict[str, list[str]]:
    with psycopg.connect(database_url) as conn:
        return dict(conn.execute("SELECT username, roles FROM users").fetchall())


def test_user_create_sets_roles(app_env: dict[str, str], database_url: str) -> None:
    # The first account is admin whatever was asked: someone must be able to run the place.
    first = run(app_env, "user", "create", "first", "--role", "dj", stdin="long enough pw\n")
    assert first.exit_code == 0, first.output
    assert "created admin user first (roles: admin, dj)" in first.output
    plain = run(app_env, "user", "create", "plain", stdin="long enough pw\n")
    assert "(roles: operator, dj)" in plain.output
    both = ["--role", "dj", "--role", "operator"]
    assert run(app_env, "user", "create", "both", *both, stdin="long enough pw\n").exit_code == 0
    assert (
        run(app_env, "user", "create", "boss", "--admin", stdin="long enough pw\n").exit_code == 0
    )
    dj = run(app_env, "user", "create", "only.dj", "--role", "dj", stdin="long enough pw\n")
    assert dj.exit_code == 0
    assert _roles(database_url) == {
        "first": ["admin", "dj"],
        "plain": ["operator", "dj"],
        "both": ["operator", "dj"],
        "boss": ["admin"],
        "only.dj": ["dj"],
    }


def test_user_create_refuses_an_unknown_role(app_env: dict[str, str], database_url: str) -> None:
    bad = run(app_env, "user", "create", "someone", "--role", "root", stdin="long enough pw\n")
    assert bad.exit_code == 2
    assert "--role" in bad.output and "'root' is not one of" in bad.output
    assert _roles(database_url) == {}


def _scopes(database_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT name, scope FROM api_tokens ORDER BY name").fetchall()


def test_token_create_scopes(app_env: dict[str, str], database_url: str) -> None:
    assert run(app_env, "user", "create", "bot", stdin="long enough pw\n").exit_code == 0
    assert run(app_env, "token", "create", "bot", "--name", "a").exit_code == 0
    assert run(app_env, "token", "create", "bot", "--name", "b", "--scope", "write").exit_code == 0
    bad = run(app_env, "token", "create", "bot", "--name", "c", "--scope", "admin")
    assert bad.exit_code == 2
    assert "--scope" in bad.output and "'admin' is not one of" in bad.output
    # read is the default: a token that can change things is asked for by name.
    assert _scopes(database_url) == [("a", "read"), ("b", "write")]
