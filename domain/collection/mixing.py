"""What mixes well after a track (issue 12 §5): collection files in a compatible key (the same
Camelot code, one step either way on the wheel, or the relative major/minor) within ±6 % BPM.

The track's key and tempo are what the audio says, else its tags'; the candidates' must be known
to the audio (tags are not normalised in the database), so an unanalysed collection suggests
nothing yet and says why. Closest tempo first, then the same key before its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func

from domain.collection.keys import camelot, compatible
from domain.collection.record import CollectionEntry
from domain.collection.store import entries, get_file
from domain.db import Sessions
from domain.models import CollectionFile, CollectionStatus

BPM_SHARE = 0.06
LIMIT = 20
_F = CollectionFile


@dataclass(frozen=True, slots=True)
class MixSuggestions:
    """The files that mix well after `entry`; `reason` says why there are none to look for."""

    entry: CollectionEntry
    camelot: str | None
    bpm: float | None
    items: tuple[CollectionEntry, ...] = ()
    reason: str = ""


async def mixes_well_after(
    sessions: Sessions, file_id: int, *, limit: int = LIMIT
) -> MixSuggestions:
    """Up to `limit` files to play after this one; FileNotFound for no such file."""
    entry = await get_file(sessions, file_id)
    code = entry.camelot or camelot(entry.tag_key)
    tempo = entry.bpm if entry.bpm is not None else entry.tag_bpm
    bpm = float(tempo) if tempo is not None else None
    if code is None or bpm is None:
        missing = " and ".join(
            what for what, known in (("key", code), ("tempo", bpm)) if known is None
        )
        return MixSuggestions(entry, code, bpm, reason=f"its {missing} is not known yet")
    low, high = bpm * (1 - BPM_SHARE), bpm * (1 + BPM_SHARE)
    distance = func.abs(_F.bpm - Decimal(f"{bpm:.1f}"))
    async with sessions() as session:
        rows = (
            await session.execute(
                entries()
                .where(
                    _F.id != entry.id,
                    _F.missing.is_(False),
                    _F.status == CollectionStatus.COMPLETED.value,
                    _F.camelot.in_(sorted(compatible(code))),
                    _F.bpm.between(Decimal(f"{low:.1f}"), Decimal(f"{high:.1f}")),
                )
                .order_by(distance, case((_F.camelot == code, 0), else_=1), _F.id)
                .limit(limit)
            )
        ).all()
    items = tuple(CollectionEntry.of(row[0], row[1]) for row in rows)
    reason = "" if items else f"nothing analysed in {code} or next to it within ±6 % of {bpm:g} BPM"
    return MixSuggestions(entry, code, bpm, items, reason)
