"""Serving a loop file for preview in the page: one byte range of it, as HTTP Range asks.

A browser's `<video>` asks for ranges (`bytes=0-`, then the part it seeks to); a server that
ignores them makes seeking download the whole loop. Only the single-range forms are honoured: a
list of ranges gets the whole file, which RFC 9110 allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024
_SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(ValueError):
    """The range starts past the end of the file (HTTP 416)."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Bytes `start` to `end` inclusive of a file of `size` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.end}/{self.size}"


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The range a Range header asks for; None for the whole file (no header, or one we do not
    serve as a range); RangeNotSatisfiable when it lies past the end."""
    found = _SINGLE_RANGE.fullmatch((header or "").strip())
    if found is None or found[1] == found[2] == "":
        return None
    first, last = found[1], found[2]
    if first == "":  # "bytes=-500": the last 500 bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"bytes */{size}")
        return ByteRange(max(size - suffix, 0), size - 1, size)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # an invalid range is ignored, not refused
    if start >= size:
        raise RangeNotSatisfiable(f"bytes */{size}")
    return ByteRange(start, end, size)


def read_range(path: Path, start: int, length: int) -> Iterator[bytes]:
    """The file's bytes from `start`, `length` of them, in pieces of CHUNK."""
    with path.open("rb") as file:
        file.seek(start)
        left = length
        while left > 0:
            piece = file.read(min(CHUNK, left))
            if not piece:
                return
            left -= len(piece)
            yield piece
