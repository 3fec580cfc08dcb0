"""The names tracklist files get: every download (CUE, the .zip of split CUE sheets, TXT, JSON,
M3U) and the default audio file a CUE sheet names, all one way: a lower-case ASCII slug of the
title ("Late Night Mix #12" → `late-night-mix-12`), `tracklist-<site id>` when the title has no
Latin letter or digit, then the extension.
"""

from __future__ import annotations

import re
import unicodedata

from domain.tracklists.model import ParsedTracklist

SLUG_MAX = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = SLUG_MAX) -> str:
    """`text` as lower-case ASCII words joined by "-" (accents dropped, at most `limit`
    characters); "" when nothing is left. A station's address is made by it too."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def tracklist_slug(tracklist: ParsedTracklist) -> str:
    """The stem every file of `tracklist` is named with."""
    if found := slug(tracklist.title):
        return found
    site_id = slug(tracklist.source_id or "")
    return f"tracklist-{site_id}" if site_id else "tracklist"


def download_name(stem: str, extension: str) -> str:
    """The file name of a download: `stem` made a slug, then ".<extension>"."""
    return f"{slug(stem) or 'tracklist'}.{extension}"


def tracklist_file_name(tracklist: ParsedTracklist, extension: str) -> str:
    """The file name of an export of `tracklist` (TXT, JSON, M3U, the default CUE sheet)."""
    return download_name(tracklist_slug(tracklist), extension)
