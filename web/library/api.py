"""The DJ library's JSON API under /api/v1 (session or Bearer token; issue 11 §6).

Library tracks (filtered, sorted, paged; one with every mix it was heard in; its purchase links;
the whole library as a JSON download) and the caller's own want-list (list, add, change, remove,
export). Every want-list route acts on the caller's list only: another user's item is a 404,
the same as one that does not exist. Input rules are domain/library/wants.py's and
domain/validation.py's; errors have the app's one shape (`web.app.error_body`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from domain.collection import want_exports
from domain.db import Sessions
from domain.library import discogs_wants, store, wants
from domain.library.export import every_track
from domain.library.purchase import PurchaseLink
from domain.library.store import TrackFilter, TrackSort, TrackView
from domain.library.wants import WantEntry, WantNotFound
from domain.models import LibraryTrack
from domain.resources import Resources
from domain.validation import ID_MAX, INTEGER_MAX, InputError, parse_date
from web.accounts.roles import Access, declare
from web.attachment import attachment
from web.loops.api import API_PREFIX, PER_PAGE_MAX, RowId, input_error_response

TrackId = Annotated[int, msgspec.Meta(ge=1, le=ID_MAX)]
Priority = Annotated[int, msgspec.Meta(ge=1, le=5)]


# --- response and request shapes -------------------------------------------------------------


class PurchaseLinkOut(msgspec.Struct):
    shop: str
    url: str

    @classmethod
    def of(cls, link: PurchaseLink) -> PurchaseLinkOut:
        return cls(link.shop, link.url)


class TrackOut(msgspec.Struct):
    """A library track: names, version, release facts, outside ids and discovery figures."""

    id: int
    artist: str  # as displayed
    primary_artists: list[str]
    featured_artists: list[str]
    title: str  # as displayed, version included
    title_base: str
    version: str  # as written, "" when none was given
    version_kind: str
    remixers: list[str]
    label: str | None
    catalogue_number: str | None
    release_title: str | None
    release_date: date | None
    genre: str | None
    duration: float | None  # seconds
    bpm: float | None
    key: str | None
    isrc: str | None
    musicbrainz_recording_id: str | None
    external_ids: dict[str, str]
    first_discovered: datetime
    last_seen: datetime
    discovery_count: int

    @classmethod
    def of(cls, track: LibraryTrack) -> TrackOut:
        return cls(
            id=track.id,
            artist=track.artists,
            primary_artists=list(track.primary_artists),
            featured_artists=list(track.featured_artists),
            title=track.title,
            title_base=track.title_base,
            version=track.version_text,
            version_kind=track.version_kind,
            remixers=list(track.remixers),
            label=track.label,
            catalogue_number=track.catalogue_number,
            release_title=track.release_title,
            release_date=track.release_date,
            genre=track.genre,
            duration=track.duration,
            bpm=track.bpm,
            key=track.musical_key,
            isrc=track.isrc,
            musicbrainz_recording_id=track.musicbrainz_recording_id,
            external_ids=dict(track.external_ids),
            first_discovered=track.first_discovered,
            last_seen=track.last_seen,
            discovery_count=track.discovery_count,
        )


class IdentifyTrack(msgspec.Struct, forbid_unknown_fields=True):
    """Which recording a library track is (one of these at least)."""

    musicbrainz_recording_id: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    discogs_release_id: TrackId | None = None
    isrc: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class TrackList(msgspec.Struct):
    items: list[TrackOut]
    total: int
    page: int
    per_page: int
    pages: int


class HeardOut(msgspec.Struct):
    """One mix the track was heard in (its tracklist's id, title, version, position and cue)."""

    tracklist_id: int
    tracklist_title: str
    version: int
    position: int | None
    cue_seconds: int | None


class TrackDetail(msgspec.Struct):
    track: TrackOut
    heard_in: list[HeardOut]
    purchase_links: list[PurchaseLinkOut]

    @classmethod
    def of(cls, view: TrackView) -> TrackDetail:
        heard = [
            HeardOut(h.tracklist_id, h.tracklist_title, h.version_number, h.position, h.cue_seconds)
            for h in view.heard_in
        ]
        links = [PurchaseLinkOut.of(link) for link in view.links]
        return cls(TrackOut.of(view.track), heard, links)


class SourceOut(msgspec.Struct):
    """Where a wanted track was heard ("heard in X at 1:04:10")."""

    tracklist_id: int
    tracklist_title: str | None
    version: int | None
    position: int | None
    cue_seconds: int | None


class WantOut(msgspec.Struct):
    """A want-list item, in the shape of the JSON export (`WantEntry.to_json`)."""

    id: int
    library_track_id: int
    artist: str
    title: str
    version: str
    label: str | None
    status: str
    priority: int
    notes: str
    added_at: datetime
    status_changed_at: datetime
    heard: str
    source: SourceOut | None
    purchase_links: list[PurchaseLinkOut]
    collection_file_id: int | None = None  # the collection file that made it in_library

    @classmethod
    def of(cls, entry: WantEntry) -> WantOut:
        return msgspec.convert(entry.to_json() | {"heard": entry.heard}, cls)


class WantList(msgspec.Struct):
    items: list[WantOut]
    total: int
    page: int
    per_page: int
    pages: int


class NewWant(msgspec.Struct, forbid_unknown_fields=True):
    """A track to want; priority 1 (most wanted) to 5, default 3."""

    library_track_id: TrackId
    priority: Priority | None = None
    notes: str | None = None


class WantChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent (or null) fields stay as they are."""

    status: str | None = None
    priority: Priority | None = None
    notes: str | None = None


class DiscogsWantsImport(msgspec.Struct, forbid_unknown_fields=True):
    """Whose Discogs want-list to import onto yours."""

    username: str


def _wants_import(progress: discogs_wants.WantsImport) -> dict[str, Any]:
    status_url = f"{API_PREFIX}/want-list/import-discogs/{progress.job_id}"
    return {**progress.to_json(), "status_url": status_url}


# --- reading the input -----------------------------------------------------------------------


async def _library_json(sessions: Sessions) -> AsyncIterator[bytes]:
    """The export's JSON array, encoded and sent one batch of tracks at a time (the same bytes
    a list of TrackOut gives), so a large library is never held in memory whole."""
    yield b"["
    separator = b""
    async for batch in every_track(sessions):
        yield separator + b",".join(msgspec.json.encode(TrackOut.of(track)) for track in batch)
        separator = b","
    yield b"]"


# --- routes ----------------------------------------------------------------------------------


class LibraryApiController(Controller):
    path = f"{API_PREFIX}/library"
    tags = ["library"]
    opt = declare(Access.DJ)
    exception_handlers = {InputError: input_error_response}

    @get("/tracks")
    async def list_tracks(
        self,
        resources: NamedDependency[Resources],
        artist: FromQuery[str] = "",
        title: FromQuery[str] = "",
        genre: FromQuery[str] = "",
        label: FromQuery[str] = "",
        discovered_after: Annotated[
            str, QueryParameter(description="YYYY-MM-DD: first discovered on or after")
        ] = "",
        min_mixes: Annotated[
            int | None, QueryParameter(ge=1, le=INTEGER_MAX, description="heard in ≥ N mixes")
        ] = None,
        sort: FromQuery[TrackSort] = TrackSort.MOST_SUPPORTED,
        page: Annotated[int, QueryParameter(ge=1, le=ID_MAX)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=PER_PAGE_MAX)] = 50,
    ) -> TrackList:
        """Library tracks: part of the artist or title, whole genre or label, first discovered
        on or after a day, heard in at least N mixes; sorted by times discovered, last seen or
        title."""
        where = TrackFilter(
            artist, title, genre, label, parse_date("discovered_after", discovered_after), min_mixes
        )
        found = await store.list_tracks(resources.sessions, where, sort, page, per_page)
        items = [TrackOut.of(track) for track in found.items]
        return TrackList(items, found.total, found.page, found.per_page, found.pages)

    @get("/tracks/{track_id:int}")
    async def get_track(
        self, resources: NamedDependency[Resources], track_id: RowId
    ) -> TrackDetail:
        """A track with every mix it was heard in (newest first) and its purchase links."""
        return TrackDetail.of(await store.get_track(resources.sessions, track_id))

    @post("/tracks/{track_id:int}/identify", status_code=200)
    async def identify_track(
        self, resources: NamedDependency[Resources], track_id: RowId, data: JSONBody[IdentifyTrack]
    ) -> TrackDetail:
        """Say by hand which recording the track is: its MusicBrainz recording id, Discogs
        release id or ISRC, replacing what identification learnt. 409 when another track
        already is that MusicBrainz recording."""
        view = await store.identify_by_hand(
            resources.sessions,
            track_id,
            musicbrainz_recording_id=data.musicbrainz_recording_id,
            discogs_release_id=data.discogs_release_id,
            isrc=data.isrc,
        )
        return TrackDetail.of(view)

    @get("/tracks/{track_id:int}/purchase-links")
    async def get_purchase_links(
        self, resources: NamedDependency[Resources], track_id: RowId
    ) -> list[PurchaseLinkOut]:
        """Where to buy the track: shop searches built from its metadata, never scraped."""
        view = await store.get_track(resources.sessions, track_id)
        return [PurchaseLinkOut.of(link) for link in view.links]

    @get(
        "/export",
        responses={200: ResponseSpec(list[TrackOut], description="every library track")},
    )
    async def export_library(self, resources: NamedDependency[Resources]) -> Stream:
        """Every library track as a JSON array download (library.json), sent a batch at a time."""
        return Stream(
            _library_json(resources.sessions),
            media_type="application/json",
            headers=attachment("library.json"),
        )


class WantListApiController(Controller):
    path = f"{API_PREFIX}/want-list"
    tags = ["want-list"]
    opt = declare(Access.DJ)
    exception_handlers = {InputError: input_error_response}

    @get()
    async def list_wants(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        status: Annotated[str, QueryParameter(description="wanted, found, purchased, …")] = "",
        priority: Annotated[str, QueryParameter(description="1 (most wanted) to 5")] = "",
        added_after: Annotated[str, QueryParameter(description="YYYY-MM-DD")] = "",
        page: Annotated[int, QueryParameter(ge=1, le=ID_MAX)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=PER_PAGE_MAX)] = 50,
    ) -> WantList:
        """Your want-list, newest first: filters status, priority and added on or after a day."""
        where = wants.want_filter(status, priority, added_after)
        found = await wants.list_wants(resources.sessions, request.user.id, where, page, per_page)
        items = [WantOut.of(entry) for entry in found.items]
        return WantList(items, found.total, found.page, found.per_page, found.pages)

    @post()
    async def add_want(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        data: JSONBody[NewWant],
    ) -> WantOut:
        """Put a library track on your want-list (201); 400 naming the field when the track is
        unknown, already on it, or the list holds its 10,000 tracks."""
        user_id = request.user.id
        want_id = await wants.add_want(
            resources.sessions,
            user_id,
            data.library_track_id,
            priority=data.priority,
            notes=data.notes,
        )
        return WantOut.of(await wants.get_want(resources.sessions, user_id, want_id))

    @get("/export")
    async def export_wants(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        fmt: Annotated[
            str, QueryParameter(name="format", description="csv (default), json or txt")
        ] = "csv",
        status: FromQuery[str] = "",
        priority: FromQuery[str] = "",
        added_after: FromQuery[str] = "",
    ) -> Response[str]:
        """Your (filtered) want-list as a download: CSV (formula-guarded), JSON, or TXT in the
        tracklist paste format."""
        chosen = wants.export_format(fmt)
        where = wants.want_filter(status, priority, added_after)
        entries = await wants.all_wants(resources.sessions, request.user.id, where)
        return Response(
            wants.export_wants(entries, chosen),
            media_type=wants.EXPORT_FORMATS[chosen],
            headers=attachment(f"want-list.{chosen}"),
        )

    @get("/export-owned")
    async def export_owned(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        fmt: Annotated[
            str, QueryParameter(name="format", description="m3u8 (default) or rekordbox")
        ] = "m3u8",
    ) -> Response[bytes]:
        """The files of your in_library items as a playlist: M3U8, or Rekordbox XML (with BPM
        and key); 400 naming `format` for another format."""
        chosen = want_exports.owned_format(fmt)
        tracks = await want_exports.owned_tracks(resources.sessions, request.user.id)
        shape = want_exports.OWNED_FORMATS[chosen]
        return Response(
            want_exports.owned_export(tracks, chosen),
            media_type=shape.media_type,
            headers=attachment(shape.file_name),
        )

    @post("/import-discogs", status_code=202)
    async def import_discogs(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        data: JSONBody[DiscogsWantsImport],
    ) -> dict[str, Any]:
        """Import a Discogs want-list (DISCOGS_TOKEN set): every track of each wanted release
        goes on your want-list. 202 with the job's progress; poll its `status_url`. 400 naming
        `username` without a token, with a refused one, or while your last import still runs."""
        progress = await discogs_wants.start_import(resources, request.user.id, data.username)
        return _wants_import(progress)

    @get("/import-discogs/{job_id:str}")
    async def get_discogs_import(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        job_id: FromPath[str],
    ) -> dict[str, Any]:
        """A Discogs want-list import: `state` queued → running (waiting while Discogs is away)
        → done or failed, with `done` of `total` releases and the tracks `added`."""
        progress = await discogs_wants.get_import(
            resources.settings, resources.redis, job_id[:64], request.user.id
        )
        return _wants_import(progress)

    @delete("/import-discogs/{job_id:str}", status_code=200)
    async def stop_discogs_import(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        job_id: FromPath[str],
    ) -> dict[str, Any]:
        """Stop a Discogs want-list import: nothing more is imported, what was added stays;
        the job as it now stands (a finished one is left as it was)."""
        progress = await discogs_wants.stop_import(
            resources.settings, resources.redis, job_id[:64], request.user.id
        )
        return _wants_import(progress)

    @put("/{want_id:int}")
    async def update_want(
        self,
        request: Request[Any, Any, Any],
        resources: NamedDependency[Resources],
        want_id: RowId,
        data: JSONBody[WantChanges],
    ) -> WantOut:
        """Change an item's status, priority or notes; a refused status move is a 400 naming
        both statuses."""
        entry = await wants.update_want(
            resources.sessions,
            request.user.id,
            want_id,
            status=data.status,
            priority=data.priority,
            notes=data.notes,
        )
        return WantOut.of(entry)

    @delete("/{want_id:int}", status_code=204)
    async def remove_want(
        self, request: Request[Any, Any, Any], resources: NamedDependency[Resources], want_id: RowId
    ) -> None:
        """Take an item off your want-list: 204; 404 when it is not on it."""
        if not await wants.remove_wants(resources.sessions, request.user.id, [want_id]):
            raise WantNotFound(want_id)


ROUTES = [LibraryApiController, WantListApiController]
