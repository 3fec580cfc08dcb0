"""Shared test fixtures: a real PostgreSQL database and Redis, real MP4 loops, a live app.

With DATABASE_URL / REDIS_URL set the suite uses those servers (creating and dropping a database
of its own); otherwise it starts embedded real servers under var/test/.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from domain.config import Settings, load_settings
from domain.db import Sessions
from domain.loops.mapper import TrackMapper
from domain.migrate import upgrade
from domain.models import Base
from domain.resources import Resources, opened
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.media import make_mp4

pytest_plugins = [
    "tests.web_fixtures",
    "tests.daemon_process",
    "tests.worker_process",
    "tests.library_worker",
    "tests.enrichment_fakes",
]

REPO = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "scraper-" + "m" * 32  # the suite's own, for GET /metrics
# Every table the models know (a new one is emptied between tests without being listed here).
TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_urls() -> Iterator[tuple[str, str]]:
    """(PostgreSQL server URL, Redis URL): from the environment, else embedded servers."""
    started = []
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url or not redis_url:
        from cli.embedded import start_postgres, start_redis

        if not database_url:
            started.append(start_postgres(REPO / "var" / "test" / "pg"))
            database_url = started[-1].url
        if not redis_url:
            started.append(start_redis(REPO / "var" / "test" / "redis"))
            redis_url = started[-1].url
    yield database_url.replace("postgres://", "postgresql://", 1), redis_url
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def database_url(server_urls: tuple[str, str]) -> Iterator[str]:
    """A database of the suite's own on the server, migrated to head, dropped at the end."""
    server = server_urls[0].replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"crateloop_test_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    upgrade(url)
    yield url
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def loops_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A loops folder with real MP4s: default.mp4, a.mp4, b.mp4 and sub/c.mp4."""
    root = tmp_path_factory.mktemp("loops")
    first = make_mp4(root / "default.mp4")
    for name in ("a.mp4", "b.mp4", "sub/c.mp4"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, root / name)
    return root


@pytest.fixture
def other_loop(loops_root: Path) -> Iterator[str]:
    """Another real loop, wide/other.mp4 (another size, so another thumbnail), in the loops
    folder for this test only: the folder is the session's, and other tests list its files."""
    path = make_mp4(loops_root / "wide" / "other.mp4", width=640, height=360, seconds=3)
    yield "wide/other.mp4"
    path.unlink()
    path.parent.rmdir()


@pytest.fixture
def handoff_root(tmp_path: Path) -> Path:
    """This test's own HANDOFF_PATH: an empty folder."""
    root = tmp_path / "handoff"
    root.mkdir()
    return root


@pytest.fixture(scope="session")
def tracklists_site_server() -> Iterator[FakeTracklistsSite]:
    """The fake 1001tracklists site (and short-link host) every process of the suite talks to."""
    site = FakeTracklistsSite()
    yield site
    site.close()


@pytest.fixture
def tracklists_site(tracklists_site_server: FakeTracklistsSite) -> FakeTracklistsSite:
    """The fake 1001tracklists site, emptied (pages, robots.txt, request log) for this test."""
    tracklists_site_server.reset()
    return tracklists_site_server


@pytest.fixture(scope="session")
def music_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The suite's MUSIC_PATH: empty unless a test puts files there (and clears it after)."""
    return tmp_path_factory.mktemp("music").resolve()


@pytest.fixture(scope="session")
def app_env(
    database_url: str,
    server_urls: tuple[str, str],
    loops_root: Path,
    music_root: Path,
    tracklists_site_server: FakeTracklistsSite,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """The environment a crateloop process of this suite runs with.

    The test process itself is one of those processes too (modules such as the worker's broker
    read their settings from the environment), so it is applied to os.environ as well.
    """
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": server_urls[1],
        "SECRET_KEY": "test-secret-" + "x" * 40,
        "LOOPS_PATH": str(loops_root),
        "DEFAULT_LOOP": "default.mp4",
        "MUSIC_PATH": str(music_root),
        "CACHE_SIZE": "1000",
        "CACHE_TTL_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
        "TRACKLISTS_BASE_URL": tracklists_site_server.url,
        "TRACKLISTS_SHORT_URL": tracklists_site_server.short_url,
        "TRACKLISTS_DELAY_SECONDS": "2",
        # No test reaches a real music database: a process that is not pointed at a fake is
        # refused at once (nothing listens on the discard port).
        "MUSICBRAINZ_BASE_URL": "http://127.0.0.1:9",
        "DISCOGS_BASE_URL": "http://127.0.0.1:9",
        "DEEZER_BASE_URL": "http://127.0.0.1:9",
        "LASTFM_BASE_URL": "http://127.0.0.1:9",
        "SPOTIFY_ACCOUNTS_URL": "http://127.0.0.1:9",
        "SPOTIFY_API_URL": "http://127.0.0.1:9",
        # Imports do not identify their tracks by themselves here (a test that wants it says so):
        # the suite's workers would spend their one thread asking the discard port.
        "AUTO_IDENTIFY": "0",
        # The suite's processes (this one, web, worker, daemons) add up their figures here.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics")),
        "METRICS_TOKEN": METRICS_TOKEN,
    }
    os.environ.update(env)
    return env


@pytest.fixture(scope="session")
def settings(app_env: dict[str, str]) -> Settings:
    return load_settings(app_env)


@pytest.fixture
def clean_db(database_url: str, server_urls: tuple[str, str], settings: Settings) -> None:
    """Empty every table (and this suite's Redis keys) before a test."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    client = redis.Redis.from_url(server_urls[1])
    keys = list(client.scan_iter(settings.channel("*")))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def key(settings: Settings) -> Iterator[str]:
    """A Redis key prefix of this test's own, removed afterwards (pace and breaker tests)."""
    prefix = settings.channel(f"test-key:{secrets.token_hex(4)}")
    yield prefix
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
async def resources(settings: Settings, clean_db: None) -> AsyncIterator[Resources]:
    """A process's Resources on the clean test database, as a front opens them."""
    async with opened(settings) as own:
        yield own


@pytest.fixture
async def mapper(resources: Resources) -> AsyncIterator[TrackMapper]:
    """A TrackMapper on the test database, listening for invalidations."""
    service = TrackMapper(resources)
    await service.start()
    await service.invalidation.subscribed.wait()
    yield service
    await service.close()


@pytest.fixture
def sessions(resources: Resources, mapper: TrackMapper) -> Sessions:
    """The session factory of the `resources` fixture, on the clean test database (with the
    `mapper` listening, so writes through it and through these sessions meet one cache)."""
    return resources.sessions
