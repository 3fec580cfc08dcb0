"""The JSON API under /api/v1: mappings, resolution and stats (session or Bearer token)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.types import ControllerRouterHandler

from domain import validation
from domain.loops.cache import Resolution
from domain.loops.listing import SortColumn
from domain.loops.mapper import TrackMapper
from domain.models import TrackMapping
from domain.validation import Conflict, InputError, InputErrors
from web.accounts.roles import Access, declare

API_PREFIX = "/api/v1"
PER_PAGE_MAX = 500

# A row id in a path: the schema states the bound and Litestar answers 400 naming the parameter.
RowId = Annotated[int, PathParameter(ge=1, le=validation.ID_MAX)]


class FieldError(HTTPException):
    """A 4xx answer that names the input at fault (`field`)."""

    status_code = 400

    def __init__(self, field: str, detail: str, status_code: int = 400) -> None:
        super().__init__(detail=detail, status_code=status_code, extra={"field": field})
        self.field = field


class Mapping(msgspec.Struct):
    id: int
    artist: str
    title: str
    track_key: str
    song_id: str
    loop_path: str
    play_count: int
    last_played_at: datetime | None
    is_active: bool
    notes: str | None
    loop_status: str | None
    loop_status_reason: str | None
    loop_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, mapping: TrackMapping) -> Mapping:
        return cls(
            id=mapping.id,
            artist=mapping.artist,
            title=mapping.title,
            track_key=mapping.track_key,
            song_id=mapping.azuracast_song_id,
            loop_path=mapping.loop_file_path,
            play_count=mapping.play_count,
            last_played_at=mapping.last_played_at,
            is_active=mapping.is_active,
            notes=mapping.notes,
            loop_status=mapping.loop_status,
            loop_status_reason=mapping.loop_status_reason,
            loop_checked_at=mapping.loop_checked_at,
            created_at=mapping.created_at,
            updated_at=mapping.updated_at,
        )


class MappingList(msgspec.Struct):
    items: list[Mapping]
    total: int
    page: int
    per_page: int
    pages: int


class NewMapping(msgspec.Struct, forbid_unknown_fields=True):
    artist: str
    title: str
    loop_path: str
    song_id: str | None = None
    notes: str | None = None


class MappingChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Fields to change; absent (or null) fields stay as they are."""

    artist: str | None = None
    title: str | None = None
    loop_path: str | None = None
    song_id: str | None = None
    notes: str | None = None
    is_active: bool | None = None


class ResolutionOut(msgspec.Struct):
    path: str
    reason: str
    track_key: str
    song_id: str
    mapping_id: int | None

    @classmethod
    def of(cls, resolution: Resolution) -> ResolutionOut:
        return cls(
            resolution.path,
            resolution.reason,
            resolution.track_key,
            resolution.song_id,
            resolution.mapping_id,
        )


class MappingStatsOut(msgspec.Struct):
    total: int
    active: int
    total_plays: int
    average_plays: float
    most_played: list[tuple[str, int]]


class CacheStatsOut(msgspec.Struct):
    size: int
    max_size: int
    ttl_seconds: int
    hits: int
    misses: int


class Stats(msgspec.Struct):
    mappings: MappingStatsOut
    cache: CacheStatsOut


def input_error_response(_: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """An input refused by domain.validation → 400 (409 for a Conflict: a duplicate key, a recording
    another track is) naming the field.

    An unknown id (MappingNotFound) is the app-wide 404 of web.app.
    """
    assert isinstance(error, InputError)
    status = 409 if isinstance(error, Conflict) else 400
    body: dict[str, Any] = {"status_code": status, "detail": str(error), "field": error.field}
    if isinstance(error, InputErrors):  # several fields at fault: each one named
        body["errors"] = [{"field": e.field, "detail": str(e)} for e in error.errors]
    return Response(body, status_code=status)


class MappingsController(Controller):
    path = f"{API_PREFIX}/mappings"
    opt = declare(Access.OPERATOR)
    tags = ["mappings"]
    exception_handlers = {InputError: input_error_response}

    @get()
    async def list_mappings(
        self,
        mapper: NamedDependency[TrackMapper],
        q: FromQuery[str | None] = None,
        active: Annotated[
            str | None,
            QueryParameter(
                description="true (or 1, yes): only active; false (or 0, no): only deactivated;"
                " all or absent: both"
            ),
        ] = None,
        sort: FromQuery[SortColumn] = "plays",
        desc: FromQuery[bool] = True,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=PER_PAGE_MAX)] = 50,
    ) -> MappingList:
        """A page of mappings: word-prefix search `q`, sort column, direction, pagination."""
        result = await mapper.page_mappings(
            search=q,
            active=validation.active_filter(active),
            sort=sort,
            descending=desc,
            page=page,
            per_page=per_page,
        )
        return MappingList(
            [Mapping.of(m) for m in result.items],
            result.total,
            result.page,
            result.per_page,
            result.pages,
        )

    @get("/{mapping_id:int}")
    async def get_mapping(self, mapper: NamedDependency[TrackMapper], mapping_id: RowId) -> Mapping:
        return Mapping.of(await mapper.get_mapping(mapping_id))

    @post()
    async def create_mapping(
        self, mapper: NamedDependency[TrackMapper], data: JSONBody[NewMapping]
    ) -> Mapping:
        """Create a mapping (201); 400 naming the field, 409 when the track is mapped already."""
        mapping = await mapper.create_mapping(
            data.artist, data.title, data.loop_path, song_id=data.song_id, notes=data.notes
        )
        return Mapping.of(mapping)

    @patch("/{mapping_id:int}")
    async def update_mapping(
        self,
        mapper: NamedDependency[TrackMapper],
        mapping_id: RowId,
        data: JSONBody[MappingChanges],
    ) -> Mapping:
        changes = {f: getattr(data, f) for f in data.__struct_fields__}
        return Mapping.of(await mapper.update_mapping(mapping_id, **changes))

    @delete("/{mapping_id:int}", status_code=200)
    async def delete_mapping(
        self,
        mapper: NamedDependency[TrackMapper],
        mapping_id: RowId,
        permanent: Annotated[
            bool,
            QueryParameter(
                description="true: delete the mapping for good (it is returned as it was);"
                " false or absent: deactivate it, which `POST .../reactivate` undoes"
            ),
        ] = False,
    ) -> Mapping:
        """Deactivate (soft delete); `POST .../reactivate` undoes it. `?permanent=true` deletes."""
        if permanent:
            return Mapping.of(await mapper.remove_mapping(mapping_id))
        return Mapping.of(await mapper.delete_mapping(mapping_id))

    @post("/{mapping_id:int}/reactivate", status_code=200)
    async def reactivate_mapping(
        self, mapper: NamedDependency[TrackMapper], mapping_id: RowId
    ) -> Mapping:
        return Mapping.of(await mapper.reactivate_mapping(mapping_id))


@get(f"{API_PREFIX}/resolve", tags=["resolve"], opt=declare(Access.OPERATOR))
async def resolve(
    mapper: NamedDependency[TrackMapper],
    artist: FromQuery[str],
    title: FromQuery[str],
    song_id: FromQuery[str | None] = None,
) -> ResolutionOut:
    """The loop a track would get and why (`mapped`, `song_id` or `default`)."""
    if not (artist.strip() or title.strip() or song_id):
        raise FieldError("artist", "give artist and title (or song_id)")
    return ResolutionOut.of(await mapper.resolve(artist, title, song_id or None))


@get(f"{API_PREFIX}/stats", tags=["stats"], opt=declare(Access.OPERATOR))
async def stats(mapper: NamedDependency[TrackMapper]) -> Stats:
    """Mapping totals and the cache statistics of every process, summed."""
    mapping_stats = await mapper.get_stats()
    cache = await mapper.shared_cache_stats()
    return Stats(
        MappingStatsOut(
            mapping_stats.total,
            mapping_stats.active,
            mapping_stats.total_plays,
            mapping_stats.average_plays,
            mapping_stats.most_played,
        ),
        CacheStatsOut(cache.size, cache.max_size, cache.ttl_seconds, cache.hits, cache.misses),
    )


ROUTES: list[ControllerRouterHandler] = [MappingsController, resolve, stats]
