"""Track → loop mappings: the TrackMapper service every front calls."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import channels, validation
from domain.config import Settings
from domain.loops import listing, rules
from domain.loops.cache import CacheInvalidation, CacheStats, LoopCache, Resolution
from domain.loops.cache_stats import SharedCacheStats
from domain.loops.files import LoopPathError, confine, stored_loop
from domain.loops.keys import azuracast_song_id, normalize_track_key
from domain.loops.listing import Fallback, MappingStats
from domain.models import DefaultConfig, Play, Reason, TrackMapping
from domain.paging import Page
from domain.resources import Resources, opened
from domain.validation import Conflict, InputError, Refusals

log = logging.getLogger(__name__)

DEFAULT_LOOP_KEY = "default_loop"
_RESOLVE = (
    "SELECT id, loop_file_path, track_key = %(key)s AS by_key FROM track_mappings"
    " WHERE is_active AND (track_key = %(key)s OR azuracast_song_id = %(song_id)s)"
    " ORDER BY by_key DESC, play_count DESC, id LIMIT 1"
)

LoopChanged = Callable[[Sequence[int]], None]


# A mapping cannot be written as asked; `field` names the input at fault. The mapping's input
# rules are domain.validation's, so its refusals are the same error the other fronts catch.
MappingError = InputError


class DuplicateKey(Conflict):
    """Another mapping has this track key already."""

    def __init__(self, key: str) -> None:
        super().__init__("title", f"a mapping for “{key}” exists already")
        self.key = key


class MappingNotFound(LookupError):
    pass


def _forget_check(mapping: TrackMapping) -> None:
    """A new loop file: what the last check found (status, thumbnail) described the old one.
    The row shows "pending" and a thumbnail made from the new file until the check is done."""
    mapping.loop_status = None
    mapping.loop_status_reason = None
    mapping.loop_checked_at = None
    mapping.loop_codec = None
    mapping.loop_width = mapping.loop_height = None
    mapping.loop_duration = None
    mapping.thumbnail = None


class TrackMapper:
    """The loops service: resolves tracks to loops through a cache, and manages the mappings.

    One per process, built from the process's `Resources`; it owns only its cache and the
    subscription that keeps the cache in step with every other process's writes.
    """

    def __init__(self, resources: Resources, *, on_loop_changed: LoopChanged | None = None) -> None:
        self.settings = resources.settings
        self._sessions = resources.sessions
        self._reads = resources.reads
        self._lookups = resources.lookups
        self.cache = LoopCache(self.settings.cache_size, self.settings.cache_ttl_seconds)
        self.invalidation = CacheInvalidation(
            resources.redis, channels.mapping_changes(self.settings), self.cache
        )
        self.shared_stats = SharedCacheStats(
            resources.redis,
            channels.loop_cache_counters(self.settings),
            channels.loop_cache_sizes(self.settings),
            self.cache,
        )
        # What to do when mappings get a new loop (web and CLI: queue a check of the file).
        self.on_loop_changed = on_loop_changed

    async def start(self) -> None:
        """Listen for other processes' changes and report the cache's numbers (call once the
        event loop runs)."""
        self.invalidation.start()
        self.shared_stats.start()

    async def close(self) -> None:
        """Stop listening, send the last cache numbers; the resources themselves are closed by
        whoever opened them."""
        await self.invalidation.stop()
        await self.shared_stats.stop()

    # Resolution -------------------------------------------------------------------------------

    async def resolve(self, artist: str, title: str, song_id: str | None = None) -> Resolution:
        """The loop for a track: cache → mapping by key → mapping by song id → default loop."""
        cache_key = (artist, title, song_id or "")
        cached = self.cache.get(cache_key)
        if cached is not None:
            return cached
        key = normalize_track_key(artist, title)
        song_id = song_id or azuracast_song_id(artist, title)
        row = await self._lookups.fetchone(_RESOLVE, {"key": key, "song_id": song_id})
        if row is None:
            resolution = Resolution(await self.get_default_loop(), Reason.DEFAULT, key, song_id)
        else:
            mapping_id, loop_file_path, by_key = row
            reason = Reason.MAPPED if by_key else Reason.SONG_ID
            resolution = Resolution(
                self._absolute(loop_file_path), reason, key, song_id, mapping_id
            )
        self.cache.put(cache_key, resolution)
        return resolution

    async def get_loop(self, artist: str, title: str, song_id: str | None = None) -> str:
        """The absolute path of the loop to show for a track (see `resolve`)."""
        return (await self.resolve(artist, title, song_id)).path

    async def get_default_loop(self) -> str:
        """The default loop: `default_config` overrides the DEFAULT_LOOP setting."""
        cached = self.cache.get_default()
        if cached is not None:
            return cached
        async with self._reads() as session:
            value = await session.scalar(
                select(DefaultConfig.value).where(DefaultConfig.key == DEFAULT_LOOP_KEY)
            )
        path = self._absolute(value or self.settings.default_loop)
        self.cache.put_default(path)
        return path

    async def set_default_loop(self, loop_path: str) -> str:
        """Make `loop_path` (an existing .mp4 under LOOPS_PATH) the default loop."""
        stored = self._checked_loop(loop_path)
        async with self._sessions.begin() as session:
            await session.merge(
                DefaultConfig(
                    key=DEFAULT_LOOP_KEY,
                    value=stored,
                    description="Loop shown when a track has no mapping",
                    updated_at=datetime.now(UTC),
                )
            )
        await self.invalidation.publish_all()
        return self._absolute(stored)

    def _absolute(self, stored: str) -> str:
        return str(confine(self.settings.loops_path, stored))

    def _checked_loop(self, loop_path: str) -> str:
        try:
            return stored_loop(self.settings.loops_path, loop_path)
        except LoopPathError as error:
            raise MappingError("loop_path", str(error)) from error

    # Writes -----------------------------------------------------------------------------------

    async def create_mapping(
        self,
        artist: str,
        title: str,
        loop_path: str,
        *,
        song_id: str | None = None,
        notes: str | None = None,
    ) -> TrackMapping:
        """Add a mapping; MappingError names the field when the input is unusable (InputErrors
        names every field at fault)."""
        refusals = Refusals()
        artist = refusals.check(validation.required_text, "artist", artist) or ""
        title = refusals.check(validation.required_text, "title", title) or ""
        key = refusals.check(rules.track_key, artist, title) or ""
        stored_song_id = refusals.check(rules.song_id, song_id)
        stored_loop = refusals.check(self._checked_loop, loop_path) or ""
        stored_notes = refusals.check(rules.notes, notes)
        refusals.raise_any()
        mapping = TrackMapping(
            track_key=key,
            artist=artist,
            title=title,
            azuracast_song_id=stored_song_id or azuracast_song_id(artist, title),
            loop_file_path=stored_loop,
            notes=stored_notes,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(mapping)
        except IntegrityError as error:
            raise DuplicateKey(key) from error
        await self._changed([mapping], loop_changed=True)
        return mapping

    async def add_mapping(
        self,
        artist: str,
        title: str,
        loop_path: str,
        song_id: str | None = None,
        notes: str | None = None,
    ) -> bool:
        """Add a mapping; False when its key exists already (the seed's contract)."""
        if await self.get_mapping_by_key(normalize_track_key(artist, title)) is not None:
            return False
        try:
            await self.create_mapping(artist, title, loop_path, song_id=song_id, notes=notes)
        except DuplicateKey:
            return False
        return True

    async def update_mapping(
        self,
        mapping_id: int,
        *,
        artist: str | None = None,
        title: str | None = None,
        loop_path: str | None = None,
        song_id: str | None = None,
        notes: str | None = None,
        is_active: bool | None = None,
    ) -> TrackMapping:
        """Change the given fields of a mapping; the cache follows in every process."""
        try:
            async with self._sessions.begin() as session:
                mapping, before, old_loop = await self._apply_update(
                    session, mapping_id, artist, title, loop_path, song_id, notes, is_active
                )
        except IntegrityError as error:
            raise DuplicateKey(normalize_track_key(artist or "", title or "")) from error
        await self._changed(
            [mapping], extra_keys=[before], loop_changed=mapping.loop_file_path != old_loop
        )
        return mapping

    async def _apply_update(
        self,
        session: AsyncSession,
        mapping_id: int,
        artist: str | None,
        title: str | None,
        loop_path: str | None,
        song_id: str | None,
        notes: str | None,
        is_active: bool | None,
    ) -> tuple[TrackMapping, tuple[str, str], str]:
        mapping = await session.get(TrackMapping, mapping_id, with_for_update=True)
        if mapping is None:
            raise MappingNotFound(mapping_id)
        before = (mapping.track_key, mapping.azuracast_song_id)
        old_loop = mapping.loop_file_path
        refusals = Refusals()
        new_artist = new_title = key = None
        if artist is not None or title is not None:
            new_artist = refusals.check(
                validation.required_text, "artist", artist or mapping.artist
            )
            new_title = refusals.check(validation.required_text, "title", title or mapping.title)
            key = refusals.check(rules.track_key, new_artist or "", new_title or "")
        new_song_id = refusals.check(rules.song_id, song_id) if song_id is not None else None
        new_loop = refusals.check(self._checked_loop, loop_path) if loop_path is not None else None
        new_notes = refusals.check(rules.notes, notes) if notes is not None else None
        refusals.raise_any()
        if artist is not None or title is not None:
            mapping.artist, mapping.title = new_artist or "", new_title or ""
            mapping.track_key = key or ""
            if song_id is None:
                mapping.azuracast_song_id = azuracast_song_id(mapping.artist, mapping.title)
        if song_id is not None:
            mapping.azuracast_song_id = new_song_id or azuracast_song_id(
                mapping.artist, mapping.title
            )
        if new_loop is not None and new_loop != old_loop:
            mapping.loop_file_path = new_loop
            _forget_check(mapping)
        if notes is not None:
            mapping.notes = new_notes
        if is_active is not None:
            mapping.is_active = is_active
        mapping.updated_at = datetime.now(UTC)
        await session.flush()
        return mapping, before, old_loop

    async def delete_mapping(self, mapping_id: int) -> TrackMapping:
        """Deactivate a mapping (soft delete; `reactivate_mapping` undoes it)."""
        return await self.update_mapping(mapping_id, is_active=False)

    async def reactivate_mapping(self, mapping_id: int) -> TrackMapping:
        return await self.update_mapping(mapping_id, is_active=True)

    async def remove_mapping(self, mapping_id: int) -> TrackMapping:
        """Delete a mapping for good (deactivating keeps it); every process's cache forgets it.
        Its plays stay: they record the track key, not the mapping."""
        async with self._sessions.begin() as session:
            mapping = await session.get(TrackMapping, mapping_id, with_for_update=True)
            if mapping is None:
                raise MappingNotFound(mapping_id)
            await session.delete(mapping)
        await self.invalidation.publish([mapping.track_key], [mapping.azuracast_song_id])
        return mapping

    async def deactivate_mappings(
        self,
        ids: Sequence[int],
        *,
        loop_status: str | None = None,
        loop_status_reason: str | None = None,
    ) -> int:
        """Deactivate these mappings in one statement, optionally recording a loop status;
        return how many were active. Every process's cache forgets them."""
        if not ids:
            return 0
        now = datetime.now(UTC)
        values: dict[str, Any] = {"is_active": False, "updated_at": now}
        if loop_status is not None:
            values |= {
                "loop_status": loop_status,
                "loop_status_reason": loop_status_reason,
                "loop_checked_at": now,
            }
        statement = (
            update(TrackMapping)
            .where(TrackMapping.id.in_(sorted(set(ids))), TrackMapping.is_active)
            .values(values)
            .returning(TrackMapping.track_key, TrackMapping.azuracast_song_id)
            .execution_options(synchronize_session=False)
        )
        async with self._sessions.begin() as session:
            changed = (await session.execute(statement)).all()
        await self.invalidation.publish([row[0] for row in changed], [row[1] for row in changed])
        return len(changed)

    async def increment_play_count(self, track_key: str) -> bool:
        """Count one play on the mapping with this key; False when there is none."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(TrackMapping)
                .where(TrackMapping.track_key == track_key)
                .values(play_count=TrackMapping.play_count + 1, last_played_at=datetime.now(UTC))
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_play(
        self,
        station: str,
        artist: str | None,
        title: str | None,
        resolution: Resolution,
        *,
        started_at: datetime | None = None,
    ) -> None:
        """Store one play, and count it on the mapping that served it (once per play)."""
        started_at = started_at or datetime.now(UTC)
        async with self._sessions.begin() as session:
            session.add(
                Play(
                    station=station,
                    artist=artist,
                    title=title,
                    track_key=resolution.track_key or None,
                    song_id=resolution.song_id or None,
                    loop_path=resolution.path,
                    reason=resolution.reason,
                    started_at=started_at,
                )
            )
            if resolution.mapping_id is not None:
                await session.execute(
                    update(TrackMapping)
                    .where(TrackMapping.id == resolution.mapping_id)
                    .values(play_count=TrackMapping.play_count + 1, last_played_at=started_at)
                )

    async def _changed(
        self,
        mappings: Sequence[TrackMapping],
        *,
        extra_keys: Sequence[tuple[str, str]] = (),
        loop_changed: bool,
    ) -> None:
        pairs = [(m.track_key, m.azuracast_song_id) for m in mappings] + list(extra_keys)
        await self.invalidation.publish([k for k, _ in pairs], [s for _, s in pairs])
        if loop_changed and self.on_loop_changed is not None:
            ids = [m.id for m in mappings]
            try:
                await asyncio.to_thread(self.on_loop_changed, ids)
            except Exception:
                # A loop check is a nicety: never fail the write because the queue is down.
                log.exception("could not queue a loop check for mappings %s", ids)

    # Reads ------------------------------------------------------------------------------------

    async def get_mapping(self, mapping_id: int) -> TrackMapping:
        async with self._reads() as session:
            mapping = await session.get(TrackMapping, mapping_id)
        if mapping is None:
            raise MappingNotFound(mapping_id)
        return mapping

    async def get_mapping_by_key(self, track_key: str) -> TrackMapping | None:
        async with self._reads() as session:
            return await session.scalar(
                select(TrackMapping).where(TrackMapping.track_key == track_key)
            )

    async def get_all_mappings(
        self, active_only: bool = True, limit: int | None = None
    ) -> list[TrackMapping]:
        """Mappings, most played first (the seed's listing)."""
        active = True if active_only else None
        page = await self.page_mappings(active=active, per_page=limit, count=False)
        return list(page.items)

    async def page_mappings(
        self,
        *,
        search: str | None = None,
        active: bool | None = None,
        sort: str = "plays",
        descending: bool = True,
        page: int = 1,
        per_page: int | None = 50,
        count: bool = True,
    ) -> Page[TrackMapping]:
        """One page of mappings for the UI and API (see `listing.page_mappings`)."""
        return await listing.page_mappings(
            self._reads,
            search=search,
            active=active,
            sort=sort,
            descending=descending,
            page=page,
            per_page=per_page,
            count=count,
        )

    async def get_thumbnail(self, mapping_id: int) -> tuple[bytes | None, str | None, str]:
        """The loop's preview JPEG (once the worker has made one), its check status (None: not
        checked yet) and its stored path, in one query; MappingNotFound without the row."""
        async with self._reads() as session:
            row = (
                await session.execute(
                    select(
                        TrackMapping.thumbnail,
                        TrackMapping.loop_status,
                        TrackMapping.loop_file_path,
                    ).where(TrackMapping.id == mapping_id)
                )
            ).one_or_none()
        if row is None:
            raise MappingNotFound(mapping_id)
        thumbnail, status, loop_path = row
        return thumbnail, status, loop_path

    async def get_stats(self, most_played: int = 10) -> MappingStats:
        """Totals over all mappings and the most played ones."""
        return await listing.mapping_stats(self._reads, most_played)

    async def fallbacks(self, limit: int = 100) -> list[Fallback]:
        """Tracks that got the default loop and still have no active mapping, most played first."""
        return await listing.fallbacks(self._reads, limit)

    def clear_cache(self) -> None:
        self.cache.clear()

    def get_cache_stats(self) -> CacheStats:
        """This process's cache alone."""
        return self.cache.stats()

    async def shared_cache_stats(self) -> CacheStats:
        """The cache numbers of every process of the installation, summed."""
        return await self.shared_stats.read()

    def loops_root(self) -> Path:
        return self.settings.loops_path


@asynccontextmanager
async def loops_service(
    settings: Settings, *, check_loops: bool = False
) -> AsyncIterator[TrackMapper]:
    """A TrackMapper on resources of its own, for one piece of work (a CLI command, a benchmark);
    a long-running process builds it from the Resources it already has. `check_loops`: queue a
    check of every loop a write brings in, as the web process does."""
    async with opened(settings) as resources:
        changed = resources.jobs.check_loops if check_loops else None
        mapper = TrackMapper(resources, on_loop_changed=changed)
        try:
            yield mapper
        finally:
            await mapper.close()
