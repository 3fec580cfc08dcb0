"""Row numbers of a draft: the main rows numbered 1, 2, ... in list order ("w/" rows and mashup
parts have none), after a row is moved, deleted or added without a number, and pasted rows
numbered on from the rows they follow. A number a DJ types is kept as typed (row_warnings flags
a repeated one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.models import TracklistDraftRow
from domain.tracklists.model import ParsedTrack


def number_in_order(records: Sequence[TracklistDraftRow]) -> None:
    """Number the main rows 1, 2, ... in list order ("w/" rows and mashup parts have none): after
    a row is moved, deleted or added without a number, the numbers read as the list does."""
    number = 0
    for record in records:
        if record.with_previous or record.mashup:
            continue
        number += 1
        record.position = number


def numbered_after(tracks: Sequence[ParsedTrack], last: int) -> list[ParsedTrack]:
    """Pasted rows numbered on from `last` (the last number of the rows they follow)."""
    numbered: list[ParsedTrack] = []
    for track in tracks:
        if not (track.with_previous or track.mashup):
            last += 1
            track = replace(track, position=last)
        numbered.append(track)
    return numbered
