"""Every migration applies and reverts cleanly on a real, empty database."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

import psycopg

from domain.migrate import downgrade, upgrade


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
