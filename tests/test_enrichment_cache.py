"""The enrichment tables (migration 0011) and the PostgreSQL answer cache (`api_cache`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, update

from domain.db import Sessions
from domain.enrichment.api_cache import ApiCache, purge_expired
from domain.migrate import downgrade, upgrade
from domain.models import ApiCache as CachedAnswer
from tests.test_migrations import scratch_database

QUERIES = [
    (
        "SELECT enrichment_status, sources_enriched, enrichment_retry_count, lastfm_tags"
        " FROM library_tracks",
        "UPDATE library_tracks SET enrichment_status = 'done'",
    ),
    (
        "SELECT enrichment_status, sources_enriched, enrichment_retry_count, lastfm_tags"
        " FROM collection_files",
        "UPDATE collection_files SET enrichment_status = 'done'",
    ),
]


def test_0011_adds_the_enrichment_columns_and_the_cache_and_back(
    server_urls: tuple[str, str],
) -> None:
    """Existing tracks and files come out `pending` with nothing enriched; the status is checked
    by the database; a downgrade drops it all and keeps the rows."""
    server = server_urls[0]
    with scratch_database(server) as url:
        upgrade(url, "0010")
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO library_tracks (artists, title, title_base, dedupe_key, artists_key,"
                " title_key) VALUES ('Moderat', 'A New Error', 'A New Error', 'k', 'moderat',"
                " 'a new error')"
            )
            conn.execute(
                "INSERT INTO collection_files (root, path, size, mtime, content_hash)"
                " VALUES ('/music', 'a.mp3', 1, 0, 'h')"
            )
        upgrade(url, "0011")
        with psycopg.connect(url, autocommit=True) as conn:
            for read, change in QUERIES:
                row = conn.execute(read).fetchone()
                assert row == ("pending", [], 0, [])
                with pytest.raises(psycopg.errors.CheckViolation):
                    conn.execute(change)
            conn.execute(
                "INSERT INTO api_cache (key, source, endpoint, response, expires_at)"
                " VALUES ('k', 'deezer', 'isrc', '{}', now())"
            )
        downgrade(url, "0010")
        with psycopg.connect(url) as conn:
            tables = {t for (t,) in conn.execute("SELECT tablename FROM pg_tables").fetchall()}
            assert "api_cache" not in tables
            columns = {
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'collection_files'"
                ).fetchall()
            }
            assert "enrichment_status" not in columns and "path" in columns
            assert conn.execute("SELECT title FROM library_tracks").fetchall() == [("A New Error",)]
        upgrade(url)


async def test_an_answer_is_kept_until_it_expires_and_then_purged(sessions: Sessions) -> None:
    cache = ApiCache(sessions, "deezer")
    key = cache.key("isrc", "https://api.deezer.com/track/isrc:GBAHT1300001")
    assert key.startswith("deezer:isrc:")
    assert await cache.get(key) is None

    await cache.put(key, {"id": 3135556, "bpm": 123.4}, 3600)
    assert await cache.get(key) == {"id": 3135556, "bpm": 123.4}
    await cache.put(key, {}, 3600)  # asked again: the newer answer replaces it
    assert await cache.get(key) == {}
    other = ApiCache(sessions, "lastfm")
    await other.put(other.key("track", "x"), {"track": {}}, 3600)

    async with sessions.begin() as session:
        await session.execute(
            update(CachedAnswer)
            .where(CachedAnswer.key == key)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert await cache.get(key) is None, "an expired answer is never served"
    assert await purge_expired(sessions) == 1
    async with sessions() as session:
        left = await session.scalars(select(CachedAnswer.source))
        assert list(left) == ["lastfm"]
        endpoint = await session.scalar(select(func.min(CachedAnswer.endpoint)))
        assert endpoint == "track"
