"""Export of mappings as JSON or CSV, in the format `mapping_import` reads back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

import psycopg

from domain.config import Settings
from domain.loops.formats import Format, write_csv, write_json

_BATCH = 5000
_SELECT = """
SELECT artist, title, loop_file_path, azuracast_song_id, notes FROM track_mappings
WHERE is_active OR %(all)s ORDER BY track_key
"""


def _rows(settings: Settings, include_inactive: bool) -> Iterator[dict[str, str | None]]:
    with (
        psycopg.connect(settings.psycopg_url) as conn,
        conn.cursor(name="export_mappings") as cursor,  # server side: memory stays flat
    ):
        cursor.itersize = _BATCH
        cursor.execute(_SELECT, {"all": include_inactive})
        for artist, title, loop_path, song_id, notes in cursor:
            yield {
                "artist": artist,
                "title": title,
                "loop_path": loop_path,
                "song_id": song_id,
                "notes": notes,
            }


def export_mappings(
    settings: Settings, fmt: Format, out: IO[str], *, include_inactive: bool = False
) -> int:
    """Write the (active, or all) mappings to `out` as JSON or CSV; return how many."""
    rows = _rows(settings, include_inactive)
    return write_json(rows, out) if fmt == "json" else write_csv(rows, out)
