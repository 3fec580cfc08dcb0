"""AUTO_IDENTIFY: the real worker imports a tracklist from the fake site and then identifies its
tracks against the fake MusicBrainz by itself; a re-import that changes nothing does not."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import psycopg
import pytest

from domain.library.musicbrainz import lucene_query
from domain.resources import Resources
from domain.tracklists import imports
from tests.fakes import musicbrainz as mb
from tests.fakes.tracklist_pages import Row
from tests.fakes.tracklists_site import FakeTracklistsSite
from tests.tracklist_seeds import serve
from tests.waiting import wait_until
from tests.worker_process import running_worker

ROWS = [
    Row("Moderat", "Copy Copy", cue=0),
    Row("Bonobo", "Kerala", cue=300),
]


@pytest.fixture(scope="module")
def auto_worker(identify_env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with running_worker({**identify_env, "AUTO_IDENTIFY": "1"}) as process:
        yield process


def discoveries(database_url: str) -> list[tuple[int, str]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT position, state FROM discoveries ORDER BY position").fetchall()


async def test_an_import_identifies_its_tracks_by_itself(
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    tracklists_site: FakeTracklistsSite,
    auto_worker: subprocess.Popen[bytes],
    database_url: str,
) -> None:
    identify_musicbrainz.search(
        lucene_query("Moderat", "Copy Copy"),
        [mb.recording("Copy Copy", [mb.credit("Moderat")], length=301_000)],
    )
    url = serve(tracklists_site, "auto1", rows=ROWS)

    job = await imports.start_import(identify_resources, url)

    found = wait_until(
        lambda: len(discoveries(database_url)) == 2 and discoveries(database_url), 30
    )
    assert found == [(1, "matched"), (2, "unmatched")]
    assert (await imports.get_import(identify_resources.sessions, job.id)).changed

    # The same page again: nothing new to identify, MusicBrainz is not asked again.
    asked = len(identify_musicbrainz.requests)
    again = await imports.start_import(identify_resources, url, force=True)
    wait_until(lambda: imports_status(database_url, again.id) == "stored", 30)
    assert len(identify_musicbrainz.requests) == asked


def imports_status(database_url: str, job_id: int) -> str | None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT status FROM tracklist_imports WHERE id = %s", (job_id,)
        ).fetchone()
    return None if row is None else str(row[0])
