"""Scanning the collection (issue 12 §9): 10,000 tagged files read at ≥ 300 files/s (tags only,
no analysis), and a re-scan of the 10,000 unchanged files in ≤ 5 s.

The files are 100 distinct tagged tones (MP3, FLAC and M4A, three in four with their album's
cover), each linked 100 times under its own name: every path is a file the scan opens, reads and
hashes.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.common import Result
from domain.collection.scan import scan_collection
from domain.config import CollectionSettings, Settings
from domain.resources import opened
from tests.media import cover_png, make_audio, tag

DISTINCT = 100
COPIES = 100
KINDS = ("mp3", "flac", "m4a")


def _collection(tmp: str) -> Path:
    """The music root, made in `tmp` (resolved: roots are kept resolved)."""
    root = Path(tmp).resolve() / "music"
    sources = root.parent / "sources"
    for n in range(DISTINCT):
        kind = KINDS[n % len(KINDS)]
        source = make_audio(sources / f"{n}.{kind}", seconds=2, frequency=200 + n * 5)
        tag(
            source,
            cover=cover_png(500 + n // 10, 500) if n % 4 else None,  # one picture per album
            artist=f"Artist {n}",
            title=f"Track {n}",
            album=f"Album {n // 10}",
            genre="Techno",
            year="2024",
            bpm="128",
            key="8A",
        )
        folder = root / f"crate{n // 10}"
        folder.mkdir(parents=True, exist_ok=True)
        for copy in range(COPIES):
            os.link(source, folder / f"{n:03}-{copy:03}.{kind}")
    return root


async def run(settings: Settings) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        root = _collection(tmp)
        own = replace(settings, collection=CollectionSettings(music_paths=(root,)))
        async with opened(own) as resources:
            started = time.perf_counter()
            first = await scan_collection(resources.sessions, own)
            first_seconds = time.perf_counter() - started
            started = time.perf_counter()
            again = await scan_collection(resources.sessions, own)
            again_seconds = time.perf_counter() - started
    total = DISTINCT * COPIES
    assert (first.read, first.failed, again.unchanged) == (total, 0, total), (first, again)
    rate = total / first_seconds
    return [
        Result(
            f"first scan of {total:,} files, tags only",
            f"{rate:,.0f} files/s ({first_seconds:.1f} s)",
            "≥ 300 files/s",
            rate >= 300,
        ),
        Result(
            f"re-scan of {total:,} unchanged files",
            f"{again_seconds:.2f} s",
            "≤ 5 s",
            again_seconds <= 5,
        ),
    ]
