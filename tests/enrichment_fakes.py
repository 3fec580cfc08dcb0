"""The five fake music databases enrichment asks, an environment pointing at them, and helpers
to make library tracks and collection files to enrich. Used by the enrichment test modules."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from domain.config import Settings, load_settings
from domain.db import Sessions
from domain.enrichment.items import ItemKind, ItemRef
from domain.enrichment.policy import Options
from domain.models import CollectionFile, LibraryTrack
from domain.resources import Resources, opened
from tests.fakes import discogs as dg
from tests.fakes import musicbrainz as mb
from tests.fakes.deezer import FakeDeezer, deezer_album, deezer_track
from tests.fakes.json_service import FakeJsonService
from tests.fakes.lastfm import FakeLastfm
from tests.fakes.spotify import FakeSpotify

TOKEN = "dIsCoGsToKeN0123456789abcdef"
LASTFM_KEY = "lAsTfMkEy0123456789abcdef0123456"
SPOTIFY_ID = "spotify-client-id"
SPOTIFY_SECRET = "sPoTiFySeCrEt0123456789"
# Quick for tests: a one-second breaker window, short waits between retries, a short timeout and a
# twentieth of each API's delay (the pace itself is tested apart, at the APIs' own delays).
QUICK = Options(window_seconds=1.0, backoff_seconds=0.05, timeout=1.0, pace=0.05)

ISRC = "DEU831300071"
MBID = "0b8b8e0f-6f0e-4b64-9f0c-6d7d1b0e2a11"
RELEASE_ID = 7654321


@dataclass
class Fakes:
    musicbrainz: mb.FakeMusicBrainz
    discogs: dg.FakeDiscogs
    deezer: FakeDeezer
    lastfm: FakeLastfm
    spotify: FakeSpotify

    def all(self) -> list[FakeJsonService]:
        return [self.musicbrainz, self.discogs, self.deezer, self.lastfm, self.spotify]

    def requests(self) -> int:
        return sum(len(fake.requests) for fake in self.all())

    def reset(self) -> None:
        for fake in self.all():
            fake.reset()

    def close(self) -> None:
        for fake in self.all():
            fake.close()

    def know_the_track(self) -> None:
        """Every database knows "Moderat - A New Error" (ISRC DEU831300071)."""
        recording = mb.recording(
            "A New Error",
            [mb.credit("Moderat")],
            length=377000,
            isrcs=[ISRC],
            recording_id=MBID,
            releases=[
                mb.release("Moderat", date="2009-04-20", label="BPitch Control", catno="BPC190")
            ],
            genres=["electronic", "idm"],
        )
        self.musicbrainz.add_recording(recording)
        self.musicbrainz.search('recording:"A New Error" AND artist:"Moderat"', [recording])
        self.deezer.add_track(deezer_track(3135556, ISRC, bpm=123.4, gain=-9.1, album_id=302127))
        self.deezer.add_album(deezer_album(302127, label="BPitch Control", genres=["Electro"]))
        self.discogs.add_release(
            dg.release_data(
                RELEASE_ID,
                [dg.artist("Moderat")],
                "Moderat",
                tracks=[dg.track("A2", "A New Error", "6:17")],
                label="BPitch Control",
                catno="BPC 190",
                released="2009-04-20",
                year=2009,
            )
            | {"country": "Germany", "styles": ["IDM", "Techno"]}
        )
        self.discogs.search("Moderat", "A New Error", [RELEASE_ID])
        self.lastfm.add_track(
            "Moderat", "A New Error", tags=["electronic", "idm"], playcount=4242, listeners=99
        )
        self.spotify.add_track("Moderat", "A New Error", "6rqhFgbbKwnb9MLmUQDhG6")


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    made = Fakes(
        mb.FakeMusicBrainz(),
        dg.FakeDiscogs(),
        FakeDeezer(),
        FakeLastfm(LASTFM_KEY),
        FakeSpotify(SPOTIFY_ID, SPOTIFY_SECRET),
    )
    yield made
    made.close()


@pytest.fixture(scope="module")
def enrich_env(app_env: dict[str, str], fakes: Fakes) -> dict[str, str]:
    return {
        **app_env,
        "CONTACT": "ops@example.org",
        "MUSICBRAINZ_BASE_URL": fakes.musicbrainz.url,
        "DISCOGS_BASE_URL": fakes.discogs.url,
        "DISCOGS_TOKEN": TOKEN,
        "DEEZER_BASE_URL": fakes.deezer.url,
        "LASTFM_BASE_URL": fakes.lastfm.url,
        "LASTFM_API_KEY": LASTFM_KEY,
        "SPOTIFY_ACCOUNTS_URL": fakes.spotify.url,
        "SPOTIFY_API_URL": fakes.spotify.url,
        "SPOTIFY_CLIENT_ID": SPOTIFY_ID,
        "SPOTIFY_CLIENT_SECRET": SPOTIFY_SECRET,
    }


@pytest.fixture(scope="module")
def enrich_settings(enrich_env: dict[str, str]) -> Settings:
    return load_settings(enrich_env)


@pytest.fixture
async def enrich_resources(
    enrich_settings: Settings, fakes: Fakes, clean_db: None
) -> AsyncIterator[Resources]:
    """Resources of a process configured like the enrichment worker; the fakes emptied."""
    fakes.reset()
    async with opened(enrich_settings) as own:
        yield own


async def collection_file(sessions: Sessions, name: str = "a.mp3", **tags: Any) -> ItemRef:
    """A collection file as a scan stores it (tags as given: artist, title, isrc…)."""
    defaults: dict[str, Any] = {"artist": "Moderat", "title": "A New Error", "isrc": ISRC}
    async with sessions.begin() as session:
        row = CollectionFile(
            root="/music", path=name, size=1000, mtime=0.0, content_hash=name, **(defaults | tags)
        )
        session.add(row)
        await session.flush()
        return ItemRef(ItemKind.COLLECTION, row.id)


async def library_track(
    sessions: Sessions, key: str = "moderat|a new error", **facts: Any
) -> ItemRef:
    """A library track as identification stores it."""
    values: dict[str, Any] = {
        "artists": "Moderat",
        "title": "A New Error",
        "title_base": "A New Error",
        "dedupe_key": key,
        "artists_key": "moderat",
        "title_key": "a new error",
    }
    async with sessions.begin() as session:
        row = LibraryTrack(**(values | facts))
        session.add(row)
        await session.flush()
        return ItemRef(ItemKind.LIBRARY, row.id)


def analysed(**values: Any) -> dict[str, Any]:
    """A collection file's analysis columns, as the analysis stores them."""
    return {
        "musical_key": "A minor",
        "camelot": "8A",
        "open_key": "1m",
        "bpm": Decimal("123.0"),
    } | values


def queued(resources: Resources) -> list[list[str]]:
    """The item batches waiting on the enrichment queue (read where no worker runs)."""
    broker = resources.jobs.broker
    raw = broker.client.hvals(f"{broker.namespace}:enrichment.msgs")
    return [json.loads(message)["args"][1] for message in raw]


def nothing_queued(resources: Resources) -> None:
    """No message on the enrichment queue and no job's progress in Redis."""
    assert queued(resources) == []
    client = resources.jobs.broker.client
    assert list(client.scan_iter(resources.settings.channel("enrichment:job:*"))) == []
