"""Real media for tests, made by ffmpeg: MP4 loops, and audio tracks with a known key and tempo."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def make_mp4(
    path: Path, *, width: int = 320, height: int = 180, seconds: float = 1.0, codec: str = "libx264"
) -> Path:
    """Write a real H.264 (or `codec`) MP4 with a test pattern and a silent audio track."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"anullsrc=r=44100:cl=stereo:d={seconds}",
            "-shortest", "-c:v", codec, "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "+faststart", str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


def copy_mp4(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def make_corrupt_mp4(path: Path) -> Path:
    """A file named .mp4 that is not a video: what a half-finished upload leaves behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    return path


def make_tone_track(
    path: Path,
    frequencies: tuple[float, ...],
    *,
    bpm: float | None = None,
    seconds: float = 20.0,
) -> Path:
    """Write a real audio file (format from the suffix) with a known key and tempo: the sine
    `frequencies` held as a chord and, with `bpm`, a noise burst on every beat. Noise carries no
    pitch, so the chord alone decides the key and the bursts alone the tempo."""
    path.parent.mkdir(parents=True, exist_ok=True)
    level = 0.4 / len(frequencies)
    terms = [f"{level}*sin(2*PI*{frequency}*t)" for frequency in frequencies]
    if bpm is not None:
        terms.append(f"0.5*(2*random(0)-1)*exp(-60*mod(t,{60 / bpm}))")
    expression = "+".join(terms)
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"aevalsrc=exprs='{expression}':s=44100:d={seconds}",
            "-ac", "2", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path
