"""Every migration applies and reverts cleanly on a real, empty database, and together they make
exactly the schema the models describe."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import psycopg
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


def test_the_migrations_make_the_schema_the_models_describe(database_url: str) -> None:
    """The suite's database is migrated to head: Alembic finds nothing to add, drop or alter."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
