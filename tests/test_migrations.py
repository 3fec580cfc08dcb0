"""Every migration applies and reverts cleanly on a real, empty database, and together they make
exactly the schema the models describe."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from domain.migrate import downgrade, upgrade
from domain.models import Base


def test_upgrade_downgrade_upgrade(server_urls: tuple[str, str]) -> None:
    server = server_urls[0]
    name = f"crateloop_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        upgrade(url)
        downgrade(url, "base")
        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        assert [t for (t,) in tables] == ["alembic_version"]
        upgrade(url)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_0004_gives_existing_accounts_roles_and_tokens_a_scope(
    server_urls: tuple[str, str],
) -> None:
    """Admins stay admins; other accounts keep what they could do (operator and dj); existing
    tokens stay able to write, so an integration does not break on upgrade. And back again."""
    server = server_urls[0]
    name = f"crateloop_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        upgrade(url, "0003")
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO users (id, username, password_hash, is_admin)"
                " VALUES (1, 'boss', 'x', true), (2, 'plain', 'x', false)"
            )
            conn.execute("INSERT INTO api_tokens (user_id, name, token_hash) VALUES (2, 't', 'h')")
        upgrade(url)
        with psycopg.connect(url) as conn:
            roles = conn.execute("SELECT username, roles FROM users ORDER BY id").fetchall()
            scopes = conn.execute("SELECT scope FROM api_tokens").fetchall()
        assert roles == [("boss", ["admin"]), ("plain", ["operator", "dj"])]
        assert scopes == [("write",)]
        downgrade(url, "0003")
        with psycopg.connect(url) as conn:
            admins = conn.execute("SELECT username, is_admin FROM users ORDER BY id").fetchall()
        assert admins == [("boss", True), ("plain", False)]
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    """The suite's database is migrated to head: Alembic finds nothing to add, drop or alter."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_0006_adds_time_zones_and_manual_plays_and_back(server_urls: tuple[str, str]) -> None:
    """Accounts start without a zone (DISPLAY_TIMEZONE applies); plays may be 'manual' (pinned),
    which a downgrade turns into 'default' rather than failing the old constraint."""
    server = server_urls[0]
    name = f"crateloop_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    try:
        upgrade(url, "0005")
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO users (username, password_hash) VALUES ('dj', 'x')")
        upgrade(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT time_zone FROM users").fetchall() == [(None,)]
            conn.execute(
                "INSERT INTO plays (station, loop_path, reason) VALUES ('radio', 'a.mp4', 'manual')"
            )
        downgrade(url, "0005")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT reason FROM plays").fetchall() == [("default",)]
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(
                    "INSERT INTO plays (station, loop_path, reason) VALUES ('r', 'b', 'manual')"
                )
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
