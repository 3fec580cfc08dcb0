"""Key and tempo from real audio made by ffmpeg: known chords and beats, broken files, long files,
and a process where essentia cannot be imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from domain.collection.analysis import (
    ANALYSIS_WINDOW_SECONDS,
    Analysis,
    AnalysisFailed,
    analyse,
    unavailable_reason,
)
from domain.collection.keys import compatible
from tests.media import make_tone_track

REPO = Path(__file__).resolve().parent.parent
# Sine chords (Hz): root position triads around middle C.
A_MINOR = (220.0, 261.63, 329.63)
C_MAJOR = (261.63, 329.63, 392.0)
G_MAJOR = (196.0, 246.94, 293.66)


@pytest.fixture(scope="module")
def tracks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tracks")
    return {
        "a_minor_124": make_tone_track(folder / "a minor 124.mp3", A_MINOR, bpm=124),
        "g_major_128": make_tone_track(folder / "g major 128.flac", G_MAJOR, bpm=128),
        "c_major_pad": make_tone_track(folder / "c major pad.m4a", C_MAJOR, seconds=20),
    }


def analysed(path: Path) -> Analysis:
    outcome = analyse(path)
    assert isinstance(outcome, Analysis), outcome
    return outcome


def test_essentia_is_available_here() -> None:
    assert unavailable_reason() is None


def test_a_minor_chord_at_124_bpm(tracks: dict[str, Path]) -> None:
    found = analysed(tracks["a_minor_124"])
    assert (found.key, found.camelot, found.open_key) == ("A minor", "8A", "1m")
    assert found.bpm is not None
    assert abs(found.bpm - 124) <= 1
    assert found.bpm == round(found.bpm, 1)
    assert found.key_strength > 0.5
    assert found.bpm_confidence > 0.5
    assert found.seconds_analysed == 20.0


def test_g_major_chord_at_128_bpm(tracks: dict[str, Path]) -> None:
    found = analysed(tracks["g_major_128"])
    assert (found.key, found.camelot, found.open_key) == ("G major", "9B", "2d")
    assert found.bpm is not None
    assert abs(found.bpm - 128) <= 1


def test_c_major_without_a_beat_is_relative_to_a_minor(tracks: dict[str, Path]) -> None:
    pad = analysed(tracks["c_major_pad"])
    beat = analysed(tracks["a_minor_124"])
    assert (pad.key, pad.camelot, pad.open_key) == ("C major", "8B", "1d")
    # The wheel's neighbours: C major mixes with its relative A minor and with G major, a fifth up.
    assert pad.camelot in compatible(beat.camelot)
    assert analysed(tracks["g_major_128"]).camelot in compatible(pad.camelot)
    # Whatever tempo degara reads into a held chord, it is far less sure of it than of a beat.
    assert pad.bpm_confidence < beat.bpm_confidence / 2


def test_a_name_with_accents_a_colon_and_a_leading_dash(tmp_path: Path) -> None:
    path = make_tone_track(tmp_path / "-Röyksopp: ♯ tune.wav", A_MINOR, bpm=124, seconds=10)
    assert analysed(path).camelot == "8A"


def test_analyses_in_threads_agree(tracks: dict[str, Path]) -> None:
    # The worker may run analyses on threads: algorithms are made per call, nothing is shared.
    paths = [tracks["a_minor_124"], tracks["g_major_128"]] * 2
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(analysed, paths))
    assert [f.camelot for f in found] == ["8A", "9B", "8A", "9B"]


def _truncated(folder: Path) -> Path:
    whole = make_tone_track(folder / "whole.mp3", A_MINOR, bpm=124, seconds=30)
    cut = folder / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[:20_000])  # what an interrupted copy leaves: <1 s of 30
    return cut


def _silent(folder: Path) -> Path:
    path = folder / "silence.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=44100:d=10", str(path)],
        check=True,
        timeout=60,
    )
    return path


BROKEN = {
    "text named .mp3": (
        lambda d: _write(d / "notes.mp3", b"Just some text, no audio.\n" * 20),
        "not audio that can be decoded",
    ),
    "random bytes named .flac": (
        lambda d: _write(d / "noise.flac", bytes(range(256)) * 40),
        "not audio that can be decoded",
    ),
    "an MP3 cut short": (_truncated, "truncated: the file declares 30 s"),
    "zero bytes": (lambda d: _write(d / "empty.mp3", b""), "empty file"),
    "no such file": (lambda d: d / "gone.mp3", "file not found: gone.mp3"),
    "a folder": (lambda d: d, "not a regular file"),
    "silence": (_silent, "silent"),
    "two seconds": (
        lambda d: make_tone_track(d / "short.wav", A_MINOR, seconds=2),
        "too short to analyse: 2.0 s",
    ),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_file_is_a_failure_with_a_reason(tmp_path: Path, case: str) -> None:
    make, reason = BROKEN[case]
    outcome = analyse(make(tmp_path))
    assert isinstance(outcome, AnalysisFailed), outcome
    assert reason in outcome.reason


def _three_parts(folder: Path) -> Path:
    """A minute at 8 kHz (small, quick to make): G major, then A minor in the middle 20 s, then G
    major again, all at 124 BPM."""
    g_major = make_tone_track(folder / "g.wav", G_MAJOR, bpm=124, seconds=20)
    a_minor = make_tone_track(folder / "a.wav", A_MINOR, bpm=124, seconds=20)
    path = folder / "a long: mix.wav"
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(g_major), "-i", str(a_minor),
            "-i", str(g_major), "-filter_complex", "concat=n=3:v=0:a=1",
            "-ac", "1", "-ar", "8000", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def _in_a_child(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


CHILD_ANALYSE = """
import dataclasses, json
from pathlib import Path
from domain.collection.analysis import analyse
outcome = analyse(Path({path!r}), window_seconds=16)
print(json.dumps({{"type": type(outcome).__name__, **dataclasses.asdict(outcome)}}))
"""


def test_a_long_file_is_analysed_on_its_middle_window(tmp_path: Path) -> None:
    path = _three_parts(tmp_path)
    whole = analyse(path, window_seconds=ANALYSIS_WINDOW_SECONDS)
    assert isinstance(whole, Analysis)
    assert whole.seconds_analysed == 60
    with_ffmpeg = analyse(path, window_seconds=16)
    assert isinstance(with_ffmpeg, Analysis)
    assert (with_ffmpeg.seconds_analysed, with_ffmpeg.camelot) == (16, "8A")
    # Without ffmpeg on PATH, essentia's own loader cuts the same window.
    env = {**os.environ, "PATH": str(tmp_path / "no-programs-here")}
    child = _in_a_child(CHILD_ANALYSE.format(path=str(path)), env)
    assert child.returncode == 0, child.stderr
    without = json.loads(child.stdout.strip().splitlines()[-1])
    assert without["type"] == "Analysis", without
    assert without["seconds_analysed"] == pytest.approx(16, abs=0.5)
    assert without["camelot"] == "8A"


def test_a_file_without_a_declared_length_is_cut_to_the_window_after_decoding(
    tmp_path: Path,
) -> None:
    # Matroska audio: essentia decodes it, its tag reader declares no length, so the middle
    # window is cut from the decoded audio instead.
    wav = _three_parts(tmp_path)
    mka = tmp_path / "mix.mka"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-c:a", "flac", str(mka)],
        check=True,
        timeout=60,
    )
    found = analyse(mka, window_seconds=16)
    assert isinstance(found, Analysis), found
    assert (found.seconds_analysed, found.camelot) == (16, "8A")


FALLBACK = """
import json, logging, sys, types
{setup}
logging.basicConfig(level=logging.INFO, format="LOG %(levelname)s %(name)s %(message)s")
from pathlib import Path
from domain.collection.analysis import analyse, unavailable_reason
outcomes = [analyse(Path({path!r})) for _ in range(3)]
print(json.dumps({{"types": [type(o).__name__ for o in outcomes],
                  "reasons": [o.reason for o in outcomes],
                  "unavailable": unavailable_reason()}}))
"""


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        # No wheel for this platform: importing essentia raises ImportError.
        ('sys.modules["essentia"] = None', "essentia is not installed for this platform"),
        # A broken build: a module called essentia that is not what we load.
        (
            'sys.modules["essentia"] = types.ModuleType("essentia")',
            "essentia is installed but cannot be loaded (AttributeError",
        ),
    ],
)
def test_without_essentia_analysis_is_unavailable_and_says_so_once(
    tracks: dict[str, Path], setup: str, reason: str
) -> None:
    code = FALLBACK.format(setup=setup, path=str(tracks["a_minor_124"]))
    child = _in_a_child(code, dict(os.environ))
    assert child.returncode == 0, child.stderr
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["types"] == ["AnalysisUnavailable"] * 3
    assert report["reasons"][0].startswith(reason), report
    assert report["unavailable"] == report["reasons"][0]
    logged = [line for line in child.stderr.splitlines() if "audio analysis is off" in line]
    assert len(logged) == 1, child.stderr
    assert logged[0].startswith("LOG WARNING domain.collection.analysis")
