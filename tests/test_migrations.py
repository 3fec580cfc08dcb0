"""Every migration applies and reverts cleanly on a real, empty database, and together they make
exactly the schema the models describe."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from domain.migrate import downgrade, upgrade
from domain.models import Base


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """The URL of a new empty database on `server`, dropped afterwards (a migration's own)."""
    name = f"crateloop_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_downgrade_upgrade(server_urls: tuple[str, str]) -> None:
    server = server_urls[0]
    with scratch_database(server) as url:
        upgrade(url)
        downgrade(url, "base")
        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        assert [t for (t,) in tables] == ["alembic_version"]
        upgrade(url)


def test_0004_gives_existing_accounts_roles_and_tokens_a_scope(
    server_urls: tuple[str, str],
) -> None:
    """Admins stay admins; other accounts keep what they could do (operator and dj); existing
    tokens stay able to write, so an integration does not break on upgrade. And back again."""
    server = server_urls[0]
    with scratch_database(server) as url:
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
    with scratch_database(server) as url:
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


def test_0007_adds_the_library_tables_and_back(server_urls: tuple[str, str]) -> None:
    """Library tracks, discoveries and want-lists appear beside existing tracklists and users,
    with their rules in the database (one row per recording, known states, priorities 1-5);
    a downgrade drops them and keeps everything else."""
    server = server_urls[0]
    track = (
        "INSERT INTO library_tracks (artists, title, title_base, dedupe_key, artists_key,"
        " title_key, external_ids) VALUES ('deadmau5', 'Strobe', 'Strobe', %s, 'deadmau5',"
        " 'strobe', %s) RETURNING id, musicbrainz_recording_id"
    )
    with scratch_database(server) as url:
        upgrade(url, "0006")
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO users (id, username, password_hash) VALUES (1, 'dj', 'x')")
            conn.execute("INSERT INTO tracklists (id, title) VALUES (1, 'Mix')")
            conn.execute(
                "INSERT INTO tracklist_versions (id, tracklist_id, number, title, origin, summary)"
                " VALUES (1, 1, 1, 'Mix', 'draft', '')"
            )
        upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                track, ("deadmau5|strobe|original|", '{"musicbrainz_recording": "m1"}')
            ).fetchone()
            assert row is not None and row[1] == "m1"  # read out of external_ids
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(track, ("deadmau5|strobe|original|", "{}"))
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(track, ("other", '{"musicbrainz_recording": "m1"}'))
            discovery = (
                "INSERT INTO discoveries (tracklist_id, version_id, version_number, row_index,"
                " row_text, state, library_track_id)"
                " VALUES (1, 1, 1, 0, 'deadmau5 - Strobe', %s, %s)"
            )
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(discovery, ("guessed", row[0]))
            conn.execute(discovery, ("matched", row[0]))
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(discovery, ("provisional", row[0]))
            want = "INSERT INTO want_list (user_id, library_track_id, priority) VALUES (1, %s, %s)"
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(want, (row[0], 6))
            conn.execute(want, (row[0], 1))
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(want, (row[0], 2))
        downgrade(url, "0006")
        with psycopg.connect(url) as conn:
            tables = {t for (t,) in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
            assert not tables & {"library_tracks", "discoveries", "want_list"}
            assert conn.execute("SELECT title FROM tracklists").fetchall() == [("Mix",)]
            assert conn.execute("SELECT username FROM users").fetchall() == [("dj",)]
        upgrade(url)


def test_0010_adds_collection_matches_and_the_wanted_file_and_back(
    server_urls: tuple[str, str],
) -> None:
    """File matches appear beside the collection with their states checked, a want-list item
    can name its file; a downgrade drops both and keeps the files and the want-list."""
    server = server_urls[0]
    with scratch_database(server) as url:
        upgrade(url, "0009")
        with psycopg.connect(url) as conn:
            conn.execute("INSERT INTO users (id, username, password_hash) VALUES (1, 'dj', 'x')")
            conn.execute(
                "INSERT INTO library_tracks (id, artists, title, title_base, dedupe_key,"
                " artists_key, title_key) VALUES (1, 'Bicep', 'Glue', 'Glue', 'k', 'bicep', 'glue')"
            )
            conn.execute("INSERT INTO want_list (user_id, library_track_id) VALUES (1, 1)")
            conn.execute(
                "INSERT INTO collection_files (id, root, path, size, mtime, content_hash)"
                " VALUES (1, '/m', 'glue.mp3', 1, 0, 'h')"
            )
        upgrade(url, "0010")
        with psycopg.connect(url, autocommit=True) as conn:
            match = (
                "INSERT INTO collection_matches (collection_file_id, state, library_track_id)"
                " VALUES (1, %s, 1)"
            )
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(match, ("guessed",))
            conn.execute(match, ("provisional",))
            conn.execute("UPDATE want_list SET collection_file_id = 1, status = 'in_library'")
            conn.execute("DELETE FROM collection_files")
            assert conn.execute("SELECT count(*) FROM collection_matches").fetchone() == (0,)
            assert conn.execute("SELECT collection_file_id FROM want_list").fetchone() == (None,)
        downgrade(url, "0009")
        with psycopg.connect(url) as conn:
            tables = {t for (t,) in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
            assert "collection_matches" not in tables
            assert conn.execute("SELECT status FROM want_list").fetchall() == [("in_library",)]
        upgrade(url)


def test_0012_indexes_title_and_artist_words_apart_and_its_downgrade_keeps_the_files(
    server_urls: tuple[str, str],
) -> None:
    """Existing files get their title-and-artist vector computed (searchable at once); a
    downgrade drops the column and its index and keeps every row."""
    server = server_urls[0]
    with scratch_database(server) as url:
        upgrade(url, "0011")
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO collection_files (root, path, size, mtime, content_hash, search_a,"
                " search_b) VALUES ('/m', 'a.mp3', 1, 0, 'h', 'eple royksopp', 'wall of sound')"
            )
        upgrade(url, "0012")
        with psycopg.connect(url) as conn:
            found = (
                "SELECT path FROM collection_files WHERE search_heavy @@ to_tsquery('simple', %s)"
            )
            assert conn.execute(found, ("royksopp",)).fetchall() == [("a.mp3",)]
            assert conn.execute(found, ("wall",)).fetchall() == []  # the album is not in it
            indexes = {i for (i,) in conn.execute("SELECT indexname FROM pg_indexes").fetchall()}
            assert "collection_files_search_heavy" in indexes
        downgrade(url, "0011")
        with psycopg.connect(url) as conn:
            columns = {
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'collection_files'"
                ).fetchall()
            }
            assert "search_heavy" not in columns
            assert conn.execute("SELECT path FROM collection_files").fetchall() == [("a.mp3",)]
        upgrade(url)
