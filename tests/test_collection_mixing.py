"""What mixes well after a track (compatible key, ±6 % BPM, closest tempo first), where the tags
and the audio disagree, and `crateloop export rekordbox|m3u` over the collection or a search."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import crateloop
from domain.collection import store
from domain.collection.mixing import mixes_well_after
from domain.resources import Resources
from tests.test_collection_store import ROOT, _record

# path → (analysed Camelot, analysed BPM); None: not analysed.
ANALYSED = {
    "now.mp3": ("8A", 124),
    "same-key.mp3": ("8A", 126),
    "up-one.mp3": ("9A", 123),
    "down-one.mp3": ("7A", 124),
    "relative.mp3": ("8B", 124.5),
    "wrap.mp3": ("12A", 124),  # not next to 8A
    "too-fast.mp3": ("8A", 132),  # +6.5 %
    "too-slow.mp3": ("8A", 116),  # -6.5 %
    "far-key.mp3": ("3B", 124),
    "not-analysed.mp3": None,
}


@pytest.fixture
async def files(resources: Resources, database_url: str) -> dict[str, int]:
    ids = await store.save_files(
        resources.sessions,
        [_record(path, artist="A", title=path, tag_key="8B", tag_bpm=Decimal("62"))
         for path in ANALYSED],
    )  # fmt: skip
    with psycopg.connect(database_url) as conn:
        for path, analysed in ANALYSED.items():
            if analysed:
                conn.execute(
                    "UPDATE collection_files SET camelot = %s, bpm = %s, musical_key = 'x'"
                    " WHERE path = %s",
                    (analysed[0], analysed[1], path),
                )
        conn.execute("UPDATE collection_files SET missing = true WHERE path = 'down-one.mp3'")
    return dict(zip(ANALYSED, ids, strict=True))


async def test_compatible_keys_within_six_percent_closest_tempo_first(
    resources: Resources, files: dict[str, int]
) -> None:
    found = await mixes_well_after(resources.sessions, files["now.mp3"])
    assert (found.camelot, found.bpm, found.reason) == ("8A", 124.0, "")
    # down-one.mp3 is gone from disk; 12A, 3B and the ±6.5 % files are out.
    # 0.5, 1 and 2 BPM away.
    assert [entry.path for entry in found.items] == ["relative.mp3", "up-one.mp3", "same-key.mp3"]


async def test_the_tags_stand_in_for_an_unanalysed_track_and_nothing_known_is_said(
    resources: Resources, files: dict[str, int], database_url: str
) -> None:
    # Tagged 8B at 62 BPM, not analysed: nothing analysed sits there.
    found = await mixes_well_after(resources.sessions, files["not-analysed.mp3"])
    assert (found.camelot, found.bpm, found.items) == ("8B", 62.0, ())
    assert found.reason == "nothing analysed in 8B or next to it within ±6 % of 62 BPM"
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE collection_files SET tag_key = 'o', tag_bpm = NULL WHERE id = %s",
                     (files["not-analysed.mp3"],))  # fmt: skip
    unknown = await mixes_well_after(resources.sessions, files["not-analysed.mp3"])
    assert unknown.reason == "its key and tempo is not known yet"


async def test_where_tags_and_audio_disagree(resources: Resources, files: dict[str, int]) -> None:
    entry = await store.get_file(resources.sessions, files["now.mp3"])
    assert entry.disagreements == [
        "tag says 8B, audio says 8A",
        "tag says 62 BPM, audio says 124.0",
    ]
    agreeing = await store.get_file(resources.sessions, files["relative.mp3"])
    assert agreeing.disagreements == ["tag says 62 BPM, audio says 124.5"]
    assert (await store.get_file(resources.sessions, files["not-analysed.mp3"])).disagreements == []


def test_export_writes_rekordbox_xml_and_m3u8_for_a_search_or_everything(
    files: dict[str, int], app_env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    xml_file = tmp_path / "crate.xml"
    done = runner.invoke(
        crateloop,
        ["export", "rekordbox", "--query", "same*", "--name", "Peak", "-o", str(xml_file),
         "--path-map", f"{ROOT}=/Users/dj/Music"],
        env=app_env, catch_exceptions=False,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "wrote 1 tracks" in done.stderr
    root = ET.fromstring(xml_file.read_bytes())  # noqa: S314 (our own output)
    (track,) = root.findall("COLLECTION/TRACK")
    assert (track.attrib["Tonality"], track.attrib["AverageBpm"]) == ("Am", "126.00")
    assert track.attrib["Location"] == "file://localhost/Users/dj/Music/same-key.mp3"
    assert root.find("PLAYLISTS/NODE/NODE").attrib["Name"] == "Peak"  # type: ignore[union-attr]

    m3u = tmp_path / "all.m3u8"
    everything = runner.invoke(
        crateloop, ["export", "m3u", "-o", str(m3u)], env=app_env, catch_exceptions=False
    )
    assert everything.exit_code == 0, everything.output
    lines = m3u.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    paths = [line for line in lines if not line.startswith("#")]
    assert len(paths) == len(ANALYSED) - 1  # down-one.mp3 is gone from disk
    assert f"{ROOT}/now.mp3" in paths

    refused = runner.invoke(
        crateloop, ["export", "m3u", "-o", str(m3u), "--path-map", "nothing"], env=app_env
    )
    assert refused.exit_code == 2
    assert "path-map: 'nothing' is not FROM=TO" in refused.stderr
    empty = runner.invoke(
        crateloop, ["export", "m3u", "--query", "&&", "-o", str(tmp_path / "x.m3u8")], env=app_env
    )
    assert empty.exit_code == 2 and "query: " in empty.stderr
    assert not (tmp_path / "x.m3u8").exists()  # nothing written for a refused export
