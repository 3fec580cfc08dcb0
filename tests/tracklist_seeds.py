"""Tracklists for the tracklist tests: stored through the domain as an import would store them, or
served as a page by the fake 1001tracklists site; an independent CUE reader (deflacue, from PyPI)
for the sheets the app hands out; counts of what the database and the worker's queue hold."""

from __future__ import annotations

from datetime import date

import psycopg
import redis.asyncio as aioredis
from deflacue.parser import CueParser  # type: ignore[import-untyped]

from domain.config import Settings
from domain.db import Sessions
from domain.jobs import TRACKLISTS_QUEUE
from domain.tracklists.model import ID, Link, ParsedTrack, ParsedTracklist
from domain.tracklists.versions import StoreResult, store_import
from tests.fakes.tracklist_pages import Row, tracklist_page, tracklist_path
from tests.fakes.tracklists_site import FakeTracklistsSite

XSS = "<script>alert(1)</script>"
ESCAPED_XSS = "&lt;script&gt;alert(1)&lt;/script&gt;"
SAMPLE_RATE = 44100  # deflacue counts positions in samples at 44.1 kHz
# The rows of a served page: cues, a remix, a "w/" row, a full-ID row, `<script>` in a title.
PAGE_ROWS = [
    Row("ARTBAT", "Horizon", label="UPPERGROUND", cue=0),
    Row("Tale Of Us & Mind Against", "Astral", remix="Afterlife Remix", cue=204),
    Row("Someone", "Acapella", with_previous=True),
    Row(ID, ID, cue=600),
    Row("Anyma ft. Chris Avantgarde", XSS, label="Afterlife", cue=780),
]


def mix(
    source_id: str = "2k3l4m9",
    *,
    title: str = "ARTBAT @ Tomorrowland 2023",
    djs: tuple[str, ...] = ("ARTBAT",),
    source: str | None = "Tomorrowland",
    day: date | None = date(2023, 7, 21),
    genres: tuple[str, ...] = ("Techno", "Melodic Techno"),
    tracks: tuple[ParsedTrack, ...] | None = None,
    site: str = "https://www.1001tracklists.com",
) -> ParsedTracklist:
    """A parsed tracklist: by default every kind of row a page has (see `rows()`)."""
    tracks = rows() if tracks is None else tracks
    return ParsedTracklist(
        title=title,
        tracks=tracks,
        source_id=source_id,
        url=f"{site}/tracklist/{source_id}/some-mix.html",
        djs=djs,
        source=source,
        date=day,
        genres=genres,
        claimed_track_count=sum(1 for t in tracks if t.position is not None),
        dj_links=tuple(Link(dj, f"{site}/dj/{dj.lower()}/index.html") for dj in djs),
        source_links=(Link(source, f"{site}/source/x1/x.html"),) if source else (),
    )


def rows() -> tuple[ParsedTrack, ...]:
    """Numbered rows with cues, a "w/" row, a full-ID row, a mashup and its part, a remix, a
    non-ASCII label and `<script>` in a title."""
    return (
        ParsedTrack(1, cue_seconds=0, artist="ARTBAT", title="Horizon", label="UPPERGROUND"),
        ParsedTrack(
            2,
            cue_seconds=204,
            artist="Tale Of Us & Mind Against",
            title="Astral",
            remix="Afterlife Remix",
            label="AFTERLIFE",
        ),
        ParsedTrack(None, with_previous=True, artist="Someone", title="Acapella"),
        ParsedTrack(3, cue_seconds=420, artist=ID, title=ID, is_id=True),
        ParsedTrack(
            4, cue_seconds=600, artist="Anyma", title=f"Eternity {XSS}", label="Kö Records"
        ),
        ParsedTrack(5, cue_seconds=900, artist="Mashup Maker", title="Big Mashup"),
        ParsedTrack(None, artist="Part A", title="Song A", mashup=True),
    )


async def store(sessions: Sessions, parsed: ParsedTracklist | None = None) -> StoreResult:
    return await store_import(sessions, parsed or mix(), html_sha256="a" * 64)


def serve(site: FakeTracklistsSite, tracklist_id: str = "1abc", **page: object) -> str:
    """Put a tracklist page (of `PAGE_ROWS` unless `rows` is given) on the fake site at
    /tracklist/<id>/set-<id>.html; returns its URL."""
    slug = f"set-{tracklist_id}"
    page.setdefault("rows", PAGE_ROWS)
    html = tracklist_page(tracklist_id, slug, base_url=site.url, **page)  # type: ignore[arg-type]
    return site.page(tracklist_path(tracklist_id, slug), html)


def read_cue(data: bytes) -> list[tuple[str, float]]:
    """(title, start in seconds) of each track, as deflacue reads the sheet."""
    sheet = CueParser(_lines(data)).run()
    return [(track.title, track.start / SAMPLE_RATE) for track in sheet.tracks]


def cue_disc(data: bytes) -> dict[str, object]:
    """The sheet's disc-level data as deflacue reads it (ALBUM, PERFORMER, ...)."""
    sheet = CueParser(_lines(data)).run()
    return dict(sheet.meta.data)


def _lines(data: bytes) -> list[str]:
    # As deflacue's own CueParser.from_file reads a file: stripped, blank lines dropped.
    return [line.strip() for line in data.decode("utf-8-sig").splitlines() if line.strip()]


def count(database_url: str, table: str) -> int:
    """The rows of `table` (one of ours: the name is not user input)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    assert row is not None
    return int(row[0])


def held_rows(database_url: str, tracklist_id: int) -> dict[str, int]:
    """How many rows of each of its tables the tracklist `tracklist_id` holds."""
    queries = {
        "tracklists": "SELECT count(*) FROM tracklists WHERE id = %(id)s",
        "versions": "SELECT count(*) FROM tracklist_versions WHERE tracklist_id = %(id)s",
        "tracks": "SELECT count(*) FROM tracklist_tracks t JOIN tracklist_versions v"
        " ON v.id = t.version_id WHERE v.tracklist_id = %(id)s",
        "drafts": "SELECT count(*) FROM tracklist_drafts WHERE tracklist_id = %(id)s",
        "draft rows": "SELECT count(*) FROM tracklist_draft_rows WHERE tracklist_id = %(id)s",
        "djs": "SELECT count(*) FROM tracklist_djs WHERE tracklist_id = %(id)s",
    }
    with psycopg.connect(database_url) as conn:
        return {
            name: int(conn.execute(query, {"id": tracklist_id}).fetchone()[0])  # type: ignore[index]
            for name, query in queries.items()
        }


async def queued_messages(settings: Settings, queue: str = TRACKLISTS_QUEUE) -> int:
    """Messages waiting in one of the worker's queues (Dramatiq's Redis list)."""
    client = aioredis.Redis.from_url(settings.redis_url)
    try:
        return int(await client.llen(f"{settings.channel('dramatiq')}:{queue}"))
    finally:
        await client.aclose()
