"""A want-list's owned items as a playlist for DJ software (issue 12 §5): the files of the items
that made it to in_library, as M3U8 or Rekordbox XML (domain/collection/exports.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from domain.collection.exports import ExportTrack, export_track, m3u8, rekordbox_xml
from domain.collection.owned import owned_files
from domain.collection.store import get_files
from domain.db import Sessions
from domain.models import CollectionFile, WantItem, WantStatus
from domain.validation import InputError


@dataclass(frozen=True, slots=True)
class OwnedFormat:
    media_type: str
    file_name: str


OWNED_FORMATS = {
    "m3u8": OwnedFormat("audio/x-mpegurl; charset=utf-8", "want-list-owned.m3u8"),
    "rekordbox": OwnedFormat("application/xml", "want-list-owned.xml"),
}
PLAYLIST = "Want-list: owned"


def owned_format(raw: str | None) -> str:
    """m3u8 or rekordbox (absent: m3u8); InputError naming `format` otherwise."""
    text = (raw or "m3u8").strip().lower()
    if text not in OWNED_FORMATS:
        raise InputError("format", f"format is {(raw or '')[:40]!r}: use m3u8 or rekordbox")
    return text


async def owned_tracks(sessions: Sessions, user_id: int) -> list[ExportTrack]:
    """The files of the user's in_library items, newest item first: the file named on the item
    (still on disk), else a file linked to its track; items with no file are left out."""
    async with sessions() as session:
        items = (
            await session.execute(
                select(
                    WantItem.library_track_id, WantItem.collection_file_id, CollectionFile.missing
                )
                .outerjoin(CollectionFile, CollectionFile.id == WantItem.collection_file_id)
                .where(
                    WantItem.user_id == user_id,
                    WantItem.status == WantStatus.IN_LIBRARY.value,
                )
                .order_by(WantItem.added_at.desc(), WantItem.id.desc())
            )
        ).all()
    others = await owned_files(sessions, [track for track, file, missing in items])
    chosen = [
        file if file is not None and not missing else others.get(track)
        for track, file, missing in items
    ]
    entries = await get_files(sessions, [file for file in chosen if file is not None])
    return [export_track(entry) for entry in entries]


def owned_export(tracks: list[ExportTrack], fmt: str) -> bytes:
    """The tracks in one of OWNED_FORMATS."""
    if owned_format(fmt) == "rekordbox":
        return rekordbox_xml(tracks, playlist=PLAYLIST)
    return m3u8(tracks).encode("utf-8")
