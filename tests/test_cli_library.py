"""`crateloop library identify|list`, through the real CLI: identification runs in the real worker
process against the fake MusicBrainz; the JSON shapes are the ones scripts rely on (issue 11 §7).
"""

from __future__ import annotations

import asyncio
import json
import subprocess

from click.testing import CliRunner, Result

from cli.main import crateloop
from domain.library.musicbrainz import lucene_query
from domain.resources import Resources
from domain.tracklists.model import ParsedTrack
from tests.fakes import musicbrainz as mb
from tests.library_worker import searched, stored_mix

COPY_COPY = ParsedTrack(position=1, artist="Moderat", title="Copy Copy")
PLAYED_WITH = ParsedTrack(position=None, with_previous=True, artist="Burial", title="Archangel")
KERALA_REMIX = ParsedTrack(
    position=2, artist="Bonobo", title="Kerala", remix="Ross From Friends Remix"
)
UNKNOWN = ParsedTrack(position=3, artist="ID", title="ID", is_id=True)
ROW_KEYS = [
    "position",
    "state",
    "confidence",
    "musicbrainz_recording_id",
    "library_track_id",
    "candidates",
]
CANDIDATE_KEYS = ["musicbrainz_recording_id", "artist", "title", "distance", "reasons"]
TRACK_KEYS = [
    "id",
    "artist",
    "title",
    "version",
    "label",
    "musicbrainz_recording_id",
    "isrc",
    "discovery_count",
]


async def run(env: dict[str, str], *args: str) -> Result:
    """The CLI in a thread (it runs its own event loop); stdout and stderr kept apart."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, crateloop, list(args), env=env, catch_exceptions=False
    )


def serve_searches(server: mb.FakeMusicBrainz) -> str:
    """Copy Copy and the original Kerala; the id of Copy Copy's recording."""
    copy = mb.recording(
        "Copy Copy",
        [mb.credit("Moderat")],
        isrcs=["DEU831300071"],
        releases=[mb.release("III", label="Monkeytown")],
    )
    server.search(lucene_query("Moderat", "Copy Copy"), [copy])
    server.search(lucene_query("Bonobo", "Kerala"), [mb.recording("Kerala", [mb.credit("Bonobo")])])
    return str(copy["id"])


async def test_identify_json_prints_one_object_per_row_in_page_order(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    identify_env: dict[str, str],
) -> None:
    recording_id = serve_searches(identify_musicbrainz)
    mix = await stored_mix(
        identify_resources.sessions, "5abc", COPY_COPY, PLAYED_WITH, KERALA_REMIX, UNKNOWN
    )

    result = await run(identify_env, "library", "identify", str(mix), "--json")

    assert result.exit_code == 0, result.output
    assert "3 / 3 rows" in result.stderr  # the progress line, off stdout
    rows = json.loads(result.stdout)
    assert [list(row) for row in rows] == [ROW_KEYS] * 3
    assert [(r["position"], r["state"]) for r in rows] == [
        (1, "matched"),
        (2, "provisional"),
        (3, "id"),
    ]
    matched, remix, unknown = rows
    assert matched["musicbrainz_recording_id"] == recording_id
    assert isinstance(matched["library_track_id"], int) and 0.9 < matched["confidence"] <= 1
    assert [list(c) for c in matched["candidates"]] == [CANDIDATE_KEYS]
    assert (remix["musicbrainz_recording_id"], remix["library_track_id"]) == (None, None)
    assert remix["candidates"][0]["title"] == "Kerala"
    assert any("version" in reason for reason in remix["candidates"][0]["reasons"])
    assert (unknown["confidence"], unknown["candidates"]) == (0.0, [])

    listed = await run(identify_env, "library", "list", "--json")

    assert listed.exit_code == 0, listed.output
    (track,) = json.loads(listed.stdout)
    assert list(track) == TRACK_KEYS
    assert (track["id"], track["artist"], track["title"]) == (
        matched["library_track_id"],
        "Moderat",
        "Copy Copy",
    )
    assert (track["version"], track["label"], track["isrc"]) == (None, "Monkeytown", "DEU831300071")
    assert (track["musicbrainz_recording_id"], track["discovery_count"]) == (recording_id, 1)
    found = await run(identify_env, "library", "list", "--query", "COPY", "--json")
    assert [t["id"] for t in json.loads(found.stdout)] == [track["id"]]
    nothing = await run(identify_env, "library", "list", "--query", "Kerala", "--json")
    assert json.loads(nothing.stdout) == []


async def test_identify_positions_only_identifies_those_rows(
    identify_worker: subprocess.Popen[bytes],
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    identify_env: dict[str, str],
) -> None:
    serve_searches(identify_musicbrainz)
    mix = await stored_mix(identify_resources.sessions, "6abc", COPY_COPY, KERALA_REMIX, UNKNOWN)

    result = await run(
        identify_env, "library", "identify", str(mix), "--positions", "2,3", "--json"
    )

    assert result.exit_code == 0, result.output
    assert [(r["position"], r["state"]) for r in json.loads(result.stdout)] == [
        (2, "provisional"),
        (3, "id"),
    ]
    assert searched(identify_musicbrainz) == [lucene_query("Bonobo", "Kerala")]


async def test_refused_input_exits_2_naming_what_is_wrong(
    identify_resources: Resources,
    identify_musicbrainz: mb.FakeMusicBrainz,
    identify_env: dict[str, str],
) -> None:
    mix = await stored_mix(identify_resources.sessions, "7abc", COPY_COPY)

    not_a_list = await run(identify_env, "library", "identify", "https://example.org/x", "--json")
    bad_positions = await run(identify_env, "library", "identify", str(mix), "--positions", "1,x")
    missing = await run(identify_env, "library", "identify", str(mix), "--positions", "1,9")

    assert not_a_list.exit_code == 2
    assert "neither a tracklist id nor a tracklist URL" in not_a_list.stderr
    assert bad_positions.exit_code == 2
    assert "--positions: '1,x' is not a list of positions" in bad_positions.stderr
    assert missing.exit_code == 2
    assert "positions: the tracklist has no track at position 9" in missing.stderr
    assert identify_musicbrainz.requests == []


async def test_a_tracklist_that_does_not_exist_exits_1(
    identify_resources: Resources, identify_env: dict[str, str]
) -> None:
    result = await run(identify_env, "library", "identify", "424242")

    assert result.exit_code == 1
    assert "no tracklist with id 424242" in result.stderr
