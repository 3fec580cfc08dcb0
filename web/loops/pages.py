"""The Loops page: mappings listed, searched, sorted, paged, added and edited inline with htmx."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain.loops import rules
from domain.loops.files import find_loop_files
from domain.loops.mapper import TrackMapper
from domain.models import TrackMapping
from domain.validation import InputError
from web.accounts.roles import Access, declare

# Query values the page understands; anything else falls back to the first/default.
SHOW_CHOICES = ("active", "inactive", "all")
_ACTIVE_FILTER = {"active": True, "inactive": False, "all": None}
SORTABLE = ("key", "song_id", "loop", "plays", "last_played", "status", "updated")
PER_PAGE_MAX = 100
PICKER_LIMIT = 50
ROWS_TARGET = "loops-rows"  # the <tbody> that search, sort and paging swap
# The server's lengths, given to the add and edit rows as maxlength: one rule, in rules.py.
LIMITS = {"notes": rules.NOTES_MAX, "song_id": rules.SONG_ID_MAX}


@dataclass(frozen=True, slots=True)
class Listing:
    """What the table shows: the search, filter, sort and page, as carried in the URL."""

    q: str = ""
    show: str = "active"
    sort: str = "plays"
    desc: bool = True
    page: int = 1
    per_page: int = 25

    @classmethod
    def parse(cls, q: str, show: str, sort: str, desc: bool, page: int, per_page: int) -> Listing:
        return cls(
            q=q.strip()[:200],
            show=show if show in SHOW_CHOICES else SHOW_CHOICES[0],
            sort=sort if sort in SORTABLE else "plays",
            desc=desc,
            page=max(page, 1),
            per_page=min(max(per_page, 10), PER_PAGE_MAX),
        )

    def url(self, **changes: Any) -> str:
        """This listing's URL with some values changed (the page resets unless given)."""
        values = {
            "q": self.q,
            "show": self.show,
            "sort": self.sort,
            "desc": self.desc,
            "page": 1,
            "per_page": self.per_page,
            **changes,
        }
        # Built by hand, not with dataclasses.asdict: a page renders about twenty of these.
        query = {
            key: ("true" if value else "false") if key == "desc" else value
            for key, value in values.items()
            if value != _DEFAULTS[key]
        }
        return "/loops" + (f"?{urlencode(query)}" if query else "")

    def sort_url(self, column: str) -> str:
        """Clicking a header sorts by it; clicking the current one flips the direction."""
        descending = not self.desc if column == self.sort else column in ("plays", "last_played")
        return self.url(sort=column, desc=descending)


# The values a URL can leave out, taken from the defaults of the fields above.
_DEFAULTS: dict[str, Any] = {field.name: field.default for field in fields(Listing)}


@dataclass
class MappingForm:
    """The fields of the inline add and edit forms."""

    artist: str = ""
    title: str = ""
    loop_path: str = ""
    song_id: str = ""
    notes: str = ""


def _errors(error: InputError) -> dict[str, str]:
    return {error.field: str(error)}


def _row(mapping: TrackMapping, *, edit: bool = False, **context: Any) -> HTMXTemplate:
    name = "loops/edit_row.html" if edit else "loops/row.html"
    return HTMXTemplate(template_name=name, context={"m": mapping, "limits": LIMITS, **context})


class LoopsController(Controller):
    path = "/loops"
    opt = declare(Access.OPERATOR)

    @get("/", name="loops")
    async def index(
        self,
        request: HTMXRequest,
        mapper: NamedDependency[TrackMapper],
        q: FromQuery[str] = "",
        show: FromQuery[str] = "active",
        sort: FromQuery[str] = "plays",
        desc: FromQuery[bool] = True,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 25,
    ) -> Template:
        listing = Listing.parse(q, show, sort, desc, page, per_page)
        result = await mapper.page_mappings(
            search=listing.q,
            active=_ACTIVE_FILTER[listing.show],
            sort=listing.sort,
            descending=listing.desc,
            page=listing.page,
            per_page=listing.per_page,
        )
        context = {
            "listing": listing,
            "result": result,
            "form": MappingForm(),
            "errors": {},
            "limits": LIMITS,
        }
        wants_rows = request.htmx.target == ROWS_TARGET and not request.htmx.history_restore_request
        if request.htmx and wants_rows:
            # The address bar gets the canonical URL, not every field of the filter form.
            canonical = listing.url(page=result.page)
            return HTMXTemplate(
                template_name="loops/results.html", context=context, push_url=canonical
            )
        return Template(template_name="loops/index.html", context=context)

    @post("/", status_code=200)
    async def add(
        self,
        request: HTMXRequest,
        mapper: NamedDependency[TrackMapper],
        data: URLEncodedBody[MappingForm],
    ) -> Template | Redirect:
        try:
            mapping = await mapper.create_mapping(
                data.artist, data.title, data.loop_path, song_id=data.song_id, notes=data.notes
            )
        except InputError as error:
            context = {"form": data, "errors": _errors(error), "limits": LIMITS}
            if not request.htmx:  # a browser without JavaScript gets the whole page back
                result = await mapper.page_mappings(per_page=Listing().per_page)
                context |= {"listing": Listing(), "result": result}
                return Template(template_name="loops/index.html", context=context, status_code=422)
            return HTMXTemplate(
                template_name="loops/add_row.html", context=context, status_code=422
            )
        if not request.htmx:
            return Redirect("/loops")
        return HTMXTemplate(
            template_name="loops/add_row.html",
            context={"form": MappingForm(), "errors": {}, "added": mapping, "limits": LIMITS},
        )

    @get("/files", name="loop_files")
    async def files(
        self, mapper: NamedDependency[TrackMapper], loop_path: FromQuery[str] = ""
    ) -> Template:
        root = mapper.loops_root()
        found = await asyncio.to_thread(find_loop_files, root, loop_path, PICKER_LIMIT)
        return HTMXTemplate(template_name="loops/file_options.html", context={"files": found})

    @get("/{mapping_id:int}/row")
    async def row(
        self, mapper: NamedDependency[TrackMapper], mapping_id: FromPath[int]
    ) -> Template:
        return _row(await mapper.get_mapping(mapping_id))

    @get("/{mapping_id:int}/edit")
    async def edit(
        self, mapper: NamedDependency[TrackMapper], mapping_id: FromPath[int]
    ) -> Template:
        mapping = await mapper.get_mapping(mapping_id)
        form = MappingForm(
            mapping.artist,
            mapping.title,
            mapping.loop_file_path,
            mapping.azuracast_song_id,
            mapping.notes or "",
        )
        return _row(mapping, edit=True, form=form, errors={})

    @post("/{mapping_id:int}", status_code=200)
    async def save(
        self,
        mapper: NamedDependency[TrackMapper],
        mapping_id: FromPath[int],
        data: URLEncodedBody[MappingForm],
    ) -> Template:
        try:
            mapping = await mapper.update_mapping(
                mapping_id,
                artist=data.artist,
                title=data.title,
                loop_path=data.loop_path,
                song_id=data.song_id,
                notes=data.notes,
            )
        except InputError as error:
            mapping = await mapper.get_mapping(mapping_id)
            response = _row(mapping, edit=True, form=data, errors=_errors(error))
            response.status_code = 422
            return response
        return _row(mapping)

    @post("/{mapping_id:int}/deactivate", status_code=200)
    async def deactivate(
        self, mapper: NamedDependency[TrackMapper], mapping_id: FromPath[int]
    ) -> Template:
        return _row(await mapper.delete_mapping(mapping_id))

    @post("/{mapping_id:int}/reactivate", status_code=200)
    async def reactivate(
        self, mapper: NamedDependency[TrackMapper], mapping_id: FromPath[int]
    ) -> Template:
        return _row(await mapper.reactivate_mapping(mapping_id))

    @get("/{mapping_id:int}/thumbnail.jpg")
    async def thumbnail(
        self, mapper: NamedDependency[TrackMapper], mapping_id: FromPath[int]
    ) -> Response[bytes]:
        data = await mapper.get_thumbnail(mapping_id)
        if not data:
            raise NotFoundException("no thumbnail for this mapping (yet)")
        return Response(
            data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"}
        )
