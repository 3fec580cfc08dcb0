"""Key and tempo from the audio itself, with essentia (issue 12 §2; DESIGN.md §11).

`analyse(path)` is synchronous and CPU-bound (2 to 3 s of one core for a 6-minute MP3) and
essentia holds the GIL for much of it, so async code must not call it on its event loop: run it in
a worker process (the Dramatiq actor) or, at the very least, `asyncio.to_thread`. Every outcome is
a value, never an exception: `Analysis`, `AnalysisFailed` (the file, with a reason a person can act
on) or `AnalysisUnavailable` (essentia is not installed on this platform; tag values stand).

Bounded work: a file longer than ANALYSIS_WINDOW_SECONDS is analysed on that many seconds from its
middle, where a DJ track has its beat and harmony (intros and outros are often beatless), so a
two-hour mix costs about what a 10-minute track does in memory. ffmpeg, when installed, seeks
straight to that window (about 1 s for a one-hour MP3); without it essentia's EasyLoader decodes
the file up to the window's end (about 9 s for the same hour).
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from domain.collection.keys import key_of

log = logging.getLogger(__name__)

SAMPLE_RATE = 44100
# Longer files are analysed on this much of their middle (see the module docstring).
ANALYSIS_WINDOW_SECONDS = 600.0
# RhythmExtractor2013's "degara" method finds the tempo fast but gives no confidence; "multifeature"
# gives one (0 to 5.32) at about four times the cost, so it only listens to this much of the middle.
CONFIDENCE_WINDOW_SECONDS = 15.0
_MULTIFEATURE_MAX_CONFIDENCE = 5.32
# Below this there is too little music for a key or a tempo to mean anything.
MIN_AUDIO_SECONDS = 5.0
# Peak below -60 dBFS: silence (or a file of zeros), nothing to analyse.
_SILENCE_PEAK = 1e-3
# A file that decodes to less than this share of the length its header declares is cut short.
_TRUNCATED_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the audio says: key in three notations and its strength (0 to 1), tempo and its
    confidence (0 to 1; `bpm` None when no steady beat was found)."""

    key: str  # "A minor"
    camelot: str  # "8A"
    open_key: str  # "1m"
    key_strength: float
    bpm: float | None  # one decimal
    bpm_confidence: float
    seconds_analysed: float


@dataclass(frozen=True, slots=True)
class AnalysisFailed:
    """This file could not be analysed; `reason` says why in words a person can act on."""

    reason: str


@dataclass(frozen=True, slots=True)
class AnalysisUnavailable:
    """essentia cannot be loaded in this process; `reason` says why. Tag values stand."""

    reason: str


Outcome = Analysis | AnalysisFailed | AnalysisUnavailable

_lock = threading.Lock()
_loaded: list[ModuleType | str] = []  # the essentia.standard module, or why it is unavailable


def _essentia() -> ModuleType | str:
    """essentia.standard, imported once per process; or the reason it cannot be, logged once."""
    with _lock:
        if not _loaded:
            _loaded.append(_import_essentia())
            if isinstance(_loaded[0], str):
                log.warning("audio analysis is off: %s; key and BPM come from tags", _loaded[0])
        return _loaded[0]


def _import_essentia() -> ModuleType | str:
    try:
        essentia = importlib.import_module("essentia")
        # Before essentia.standard is imported: it prints an INFO line to stdout on import, and
        # its warnings would go to stdout too. Failures reach us as exceptions.
        essentia.log.infoActive = False
        essentia.log.warningActive = False
        return importlib.import_module("essentia.standard")
    except ImportError as error:
        return f"essentia is not installed for this platform ({error})"
    except Exception as error:  # a broken build (a missing library, another numpy ABI): say so
        return f"essentia is installed but cannot be loaded ({type(error).__name__}: {error})"


def unavailable_reason() -> str | None:
    """Why analysis is off in this process (essentia has no wheel here), or None when it works.
    The first call imports essentia and logs the reason once per process."""
    loaded = _essentia()
    return loaded if isinstance(loaded, str) else None


def analyse(path: Path, *, window_seconds: float = ANALYSIS_WINDOW_SECONDS) -> Outcome:
    """Key and BPM of the audio file at `path` (already confined to a music root by the caller),
    from at most `window_seconds` of its middle. Synchronous and CPU-bound: call it from a worker
    process or a thread, never an event loop."""
    standard = _essentia()
    if isinstance(standard, str):
        return AnalysisUnavailable(standard)
    problem = _unreadable(path)
    if problem:
        return AnalysisFailed(problem)
    try:
        return _analyse(standard, path, window_seconds)
    except RuntimeError as error:
        return AnalysisFailed(_decoding_reason(str(error)))
    except Exception as error:  # a bad file must never stop a scan: report it, whatever it is
        return AnalysisFailed(f"could not analyse: {type(error).__name__}: {error}")


def _unreadable(path: Path) -> str | None:
    if not path.exists():
        return f"file not found: {path.name}"
    if not path.is_file():
        return f"not a regular file: {path.name}"
    if not os.access(path, os.R_OK):
        return f"permission denied: {path.name} cannot be read"
    if path.stat().st_size == 0:
        return "empty file: 0 bytes, no audio"
    return None


def _analyse(standard: ModuleType, path: Path, window: float) -> Outcome:
    declared = _declared_seconds(standard, path)
    if declared > window:
        audio = _load_window(standard, path, (declared - window) / 2, window)
    else:
        audio = standard.MonoLoader(filename=str(path), sampleRate=SAMPLE_RATE)()
        if len(audio) > window * SAMPLE_RATE:  # no declared length: the window is cut afterwards
            start = int((len(audio) - window * SAMPLE_RATE) // 2)
            audio = audio[start : start + int(window * SAMPLE_RATE)]
    seconds = len(audio) / SAMPLE_RATE
    expected = min(declared, window)
    if expected > 0 and seconds < expected * _TRUNCATED_SHARE:
        return AnalysisFailed(
            f"truncated: the file declares {expected:.0f} s of audio"
            f" but only {seconds:.1f} s decode"
        )
    if seconds < MIN_AUDIO_SECONDS:
        return AnalysisFailed(
            f"too short to analyse: {seconds:.1f} s of audio (at least {MIN_AUDIO_SECONDS:.0f} s)"
        )
    if float(abs(audio).max()) < _SILENCE_PEAK:
        return AnalysisFailed("silent: no sound above -60 dBFS to analyse")
    tonic, scale, strength = standard.KeyExtractor(profileType="edma")(audio)
    key = key_of(tonic, scale)
    if key is None:
        return AnalysisFailed(f"essentia named a key this table does not know: {tonic} {scale}")
    bpm = float(standard.RhythmExtractor2013(method="degara")(audio)[0])
    has_tempo = math.isfinite(bpm) and bpm > 0
    return Analysis(
        key=key.name,
        camelot=key.camelot,
        open_key=key.open_key,
        key_strength=round(float(strength), 3),
        bpm=round(bpm, 1) if has_tempo else None,
        bpm_confidence=_bpm_confidence(standard, audio) if has_tempo else 0.0,
        seconds_analysed=round(seconds, 1),
    )


def _declared_seconds(standard: ModuleType, path: Path) -> float:
    """The length the file's header declares (0 when it declares none): read from the tags, so
    a long file can be windowed before it is decoded and a cut-short one recognised."""
    try:
        return float(standard.MetadataReader(filename=str(path), failOnError=True)()[-4])
    except RuntimeError:
        return 0.0  # a format taglib does not know: decoding will tell


def _load_window(standard: ModuleType, path: Path, start: float, seconds: float) -> Any:
    """`seconds` of mono audio from `start`: by ffmpeg, which seeks, when it is
    installed; else by EasyLoader, which decodes from the beginning."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return standard.EasyLoader(
            filename=str(path),
            sampleRate=SAMPLE_RATE,
            startTime=start,
            endTime=start + seconds,
            replayGain=0.0,  # EasyLoader's default -6 dB; level changes neither key nor tempo
        )()
    import numpy  # installed with essentia, which is loaded by now

    decoded = subprocess.run(
        [
            ffmpeg, "-v", "error", "-nostdin", "-ss", f"{start:.3f}",
            "-t", f"{seconds:.3f}",
            # "file:" so that a name with a colon or a leading dash is read as a file name.
            "-i", f"file:{path.resolve()}", "-map", "0:a:0",
            "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-",
        ],
        capture_output=True,
        timeout=max(60.0, seconds),  # decoding runs far faster than real time
        check=False,
    )  # fmt: skip
    if decoded.returncode != 0:
        detail = decoded.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"AudioLoader: {detail[-1] if detail else 'ffmpeg failed'}")
    return numpy.frombuffer(decoded.stdout, dtype=numpy.float32)


def _bpm_confidence(standard: ModuleType, audio: Any) -> float:
    window = int(CONFIDENCE_WINDOW_SECONDS * SAMPLE_RATE)
    middle = max(0, (len(audio) - window) // 2)
    confidence = standard.RhythmExtractor2013(method="multifeature")(
        audio[middle : middle + window]
    )[2]
    return round(min(1.0, max(0.0, float(confidence) / _MULTIFEATURE_MAX_CONFIDENCE)), 3)


def _decoding_reason(message: str) -> str:
    """essentia's loader error in words: the part after its own algorithm names."""
    detail = message.rsplit("AudioLoader: ", 1)[-1].strip()
    if "No such file" in detail:
        return "file not found"
    if "Permission denied" in detail:
        return "permission denied: the file cannot be read"
    if "stream information" in detail or "Invalid data" in detail or "Could not open" in detail:
        return f"not audio that can be decoded: {detail}"
    return f"could not decode the audio: {detail}"
