"""Library test data the library tests share: track facts as a reading of a row gives them, and
mixes identified as a worker leaves them (`Library`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from domain.db import Sessions
from domain.library.facts import ORIGINAL, TrackFacts, Version, VersionKind
from domain.library.store import DiscoveryRecord, ReleaseFacts, record_discovery, upsert_track
from domain.models import DiscoveryMethod, DiscoveryState, TracklistOrigin
from domain.tracklists.model import ParsedTrack, ParsedTracklist
from domain.tracklists.versions import store_import

ASTRAL = Version(VersionKind.REMIX, ("Afterlife",), "Afterlife Remix")


def facts(
    artists: str = "deadmau5",
    title_base: str = "Strobe",
    version: Version = ORIGINAL,
    label: str | None = None,
    *,
    primary: tuple[str, ...] | None = None,
    isrc: str | None = None,
) -> TrackFacts:
    """A track's facts: `artists` is the one primary artist unless `primary` says otherwise."""
    title = f"{title_base} ({version.text})" if version.text else title_base
    return TrackFacts(
        artists=artists,
        primary=primary if primary is not None else (artists,),
        featured=(),
        title=title,
        title_base=title_base,
        version=version,
        label=label,
        isrc=isrc,
    )


def astral_facts() -> TrackFacts:
    """Tale Of Us & Mind Against - Astral (Afterlife Remix), on AFTERLIFE."""
    return facts(
        "Tale Of Us & Mind Against",
        "Astral",
        ASTRAL,
        "AFTERLIFE",
        primary=("Tale Of Us", "Mind Against"),
    )


NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # the moment `days_ago` counts back from


class Library:
    """Mixes and tracks as identification leaves them, dated by hand (`days_ago`)."""

    def __init__(self, sessions: Sessions, database_url: str, now: datetime = NOW) -> None:
        self.sessions = sessions
        self.database_url = database_url
        self.now = now
        self.mixes = 0

    async def track(self, artists: str, title: str, label: str, genre: str) -> int:
        return await upsert_track(
            self.sessions,
            facts(artists, title, label=label, primary=tuple(artists.split(" & "))),
            {},
            ReleaseFacts(genre=genre),
        )

    async def mix(
        self,
        tracks: list[int | None],
        *,
        days_ago: float = 0,
        origin: TracklistOrigin = TracklistOrigin.IMPORT,
        state: DiscoveryState = DiscoveryState.MATCHED,
    ) -> int:
        """A mix whose rows were identified as `tracks` (None: a row not identified)."""
        self.mixes += 1
        rows = tuple(ParsedTrack(position=i + 1, artist="A", title="T") for i in range(len(tracks)))
        stored = await store_import(
            self.sessions,
            ParsedTracklist(title=f"Mix {self.mixes}", tracks=rows, source_id=str(self.mixes)),
            html_sha256=None,
        )
        with psycopg.connect(self.database_url) as conn:
            found = conn.execute(
                "SELECT id FROM tracklist_versions WHERE tracklist_id = %s", (stored.tracklist_id,)
            ).fetchone()
        assert found is not None
        for index, track in enumerate(tracks):
            await record_discovery(
                self.sessions,
                DiscoveryRecord(
                    tracklist_id=stored.tracklist_id,
                    version_id=found[0],
                    version_number=1,
                    row_index=index,
                    position=index + 1,
                    row_text="A - T",
                    state=state if track is not None else DiscoveryState.UNMATCHED,
                    method=DiscoveryMethod.LIBRARY if track is not None else None,
                    library_track_id=track,
                    confidence=0.9 if track is not None else 0.0,
                ),
            )
        at = self.now - timedelta(days=days_ago)
        with psycopg.connect(self.database_url) as conn:
            conn.execute(
                "UPDATE discoveries SET created_at = %s, updated_at = %s WHERE tracklist_id = %s",
                (at, at, stored.tracklist_id),
            )
            conn.execute(
                "UPDATE tracklists SET origin = %s WHERE id = %s",
                (origin.value, stored.tracklist_id),
            )
        return stored.tracklist_id

    def first_discovered(self, track: int, days_ago: float) -> None:
        with psycopg.connect(self.database_url) as conn:
            conn.execute(
                "UPDATE library_tracks SET first_discovered = %s, updated_at = %s WHERE id = %s",
                (self.now - timedelta(days=days_ago), self.now - timedelta(days=days_ago), track),
            )
