"""The content hash: what a file is, whatever its name (issue 12 §1: renamed files keep their row).

sha256 of the first 64 KB, the last 64 KB and the size: reading two blocks is cheap however long
the file, and re-tagging changes the first block, so a re-tagged file is read again as new content
only where its name changed too.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

BLOCK = 64 * 1024


def content_hash(path: Path) -> str:
    """The hex sha256 of `path`'s first and last 64 KB and its size (OSError when unreadable)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        digest.update(file.read(BLOCK))
        if size > BLOCK:  # a file of one block or less is all in the first
            file.seek(size - BLOCK)
            digest.update(file.read(BLOCK))
    digest.update(str(size).encode())
    return digest.hexdigest()
