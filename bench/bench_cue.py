"""CUE sheets for a 300-track list, split into 4 sheets: p50 ≤ 5 ms.

The list is realistic rather than easy: "w/" rows, ID rows, long titles cut for CD-Text, a few rows
without a cue (interpolated) and a mix running past 100 minutes.
"""

from __future__ import annotations

import time
from datetime import date

from bench.common import Result, millis, percentile
from domain.config import Settings
from domain.tracklists.cue import CueOptions, TooManyTracks, build_cue
from domain.tracklists.model import ID, ParsedTrack, ParsedTracklist

TRACKS = 300
ROUNDS = 500


def tracklist() -> ParsedTracklist:
    rows: list[ParsedTrack] = []
    for n in range(1, TRACKS + 1):
        unknown = n % 17 == 0
        rows.append(
            ParsedTrack(
                position=n,
                cue_seconds=None if n % 23 == 0 else (n - 1) * 150,
                artist=ID if unknown else f"Artist {n} & Friend ft. Guest {n}",
                title=ID if unknown else f"A Track Title Number {n}" + " Extended" * (n % 3),
                remix=None if n % 4 else f"Remixer {n} Remix",
                label="DRUMCODE",
                is_id=unknown,
            )
        )
        if n % 10 == 0:
            rows.append(
                ParsedTrack(position=None, with_previous=True, artist="With", title=f"Acapella {n}")
            )
    return ParsedTracklist(
        title="Adam Beyer & Friends @ A Very Long Festival Name, Main Stage, Somewhere 2024-05-01",
        tracks=tuple(rows),
        url="https://www.1001tracklists.com/tracklist/2x9kv3j1/bench.html",
        djs=("Adam Beyer", "Cirez D"),
        genres=("Techno",),
        date=date(2024, 5, 1),
    )


def run(settings: Settings) -> list[Result]:
    source = tracklist()
    options = CueOptions(file_name="mix.flac", too_many=TooManyTracks.SPLIT)
    export = build_cue(source, options)
    assert len(export.files) == 4, [f.name for f in export.files]
    for _ in range(50):  # warm up
        build_cue(source, options)
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        build_cue(source, options)
        samples.append(time.perf_counter() - started)
    p50 = percentile(samples, 50)
    return [
        Result(
            f"{TRACKS} tracks → {len(export.files)} sheets, p50 (p99)",
            f"{millis(p50)} ({millis(percentile(samples, 99))})",
            "≤ 5 ms",
            p50 <= 5e-3,
        )
    ]
