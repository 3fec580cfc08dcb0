"""The fake MusicBrainz and a real worker process talking to it, for the identification tests.

The suite's own worker (tests/worker_process.py) has no MUSICBRAINZ_BASE_URL and would ask the
real MusicBrainz: these fixtures give the module a worker whose MusicBrainz is the fake.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator

import pytest

from domain.config import Settings, load_settings
from domain.db import Sessions
from domain.resources import Resources, opened
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.versions import store_import
from tests.fakes import musicbrainz as mb
from tests.worker_process import running_worker

CONTACT = "dj@example.org"
SITE = "https://www.1001tracklists.com"


@pytest.fixture(scope="module")
def identify_musicbrainz_server() -> Iterator[mb.FakeMusicBrainz]:
    server = mb.FakeMusicBrainz()
    yield server
    server.close()


@pytest.fixture(scope="module")
def identify_env(
    app_env: dict[str, str], identify_musicbrainz_server: mb.FakeMusicBrainz
) -> dict[str, str]:
    return {**app_env, "CONTACT": CONTACT, "MUSICBRAINZ_BASE_URL": identify_musicbrainz_server.url}


@pytest.fixture(scope="module")
def identify_settings(identify_env: dict[str, str]) -> Settings:
    return load_settings(identify_env)


@pytest.fixture(scope="module")
def identify_worker(identify_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker(identify_env) as process:
        yield process


@pytest.fixture
def identify_musicbrainz(
    identify_musicbrainz_server: mb.FakeMusicBrainz, clean_db: None
) -> mb.FakeMusicBrainz:
    """The fake, emptied (searches, recordings, log) after the database and Redis were."""
    identify_musicbrainz_server.reset()
    return identify_musicbrainz_server


@pytest.fixture
async def identify_resources(
    identify_settings: Settings, clean_db: None
) -> AsyncIterator[Resources]:
    """Resources of a process configured like the worker (MusicBrainz is the fake)."""
    async with opened(identify_settings) as own:
        yield own


async def stored_mix(sessions: Sessions, source_id: str, *tracks: ParsedTrack) -> int:
    """A tracklist with these rows, stored as an import would store it; its id."""
    stored = await store_import(
        sessions,
        ParsedTracklist(
            title=f"Mix {source_id}",
            tracks=tracks,
            source_id=source_id,
            url=f"{SITE}/tracklist/{source_id}/mix.html",
        ),
        html_sha256=None,
    )
    return stored.tracklist_id


def searched(server: mb.FakeMusicBrainz) -> list[str]:
    """The Lucene queries of every recording search the fake was asked."""
    return [r.query.get("query", "") for r in server.requests if r.path == "/ws/2/recording"]
