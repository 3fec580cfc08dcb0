"""Row numbers of a draft: the main rows numbered 1, 2, ... in list order ("w/" rows and mashup
parts have none), after a row is moved, deleted or added without a number, and pasted rows
numbered on from the rows they follow. A number a DJ types is kept as typed (row_warnings flags
a repeated one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.models import TracklistDraftRow
from domain.tracklists.model import Joinable, ParsedTrack, is_main_track


def ranks(rows: Sequence[Joinable]) -> list[int | None]:
    """By index: the row's rank 1, 2, ... among the main rows, None for a "w/" row or a mashup
    part (see is_main_track)."""
    ranked: list[int | None] = []
    rank = 0
    for row in rows:
        if is_main_track(row):
            rank += 1
            ranked.append(rank)
        else:
            ranked.append(None)
    return ranked


def number_in_order(records: Sequence[TracklistDraftRow]) -> None:
    """Number the main rows 1, 2, ... in list order ("w/" rows and mashup parts have none): after
    a row is moved, deleted or added without a number, the numbers read as the list does."""
    for record, rank in zip(records, ranks(records), strict=True):
        if rank is not None:
            record.position = rank


def numbered_after(tracks: Sequence[ParsedTrack], last: int) -> list[ParsedTrack]:
    """Pasted rows numbered on from `last` (the last number of the rows they follow)."""
    return [
        track if rank is None else replace(track, position=last + rank)
        for track, rank in zip(tracks, ranks(tracks), strict=True)
    ]
