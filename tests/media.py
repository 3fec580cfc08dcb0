"""Real media for tests: MP4 loops made by ffmpeg."""

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
