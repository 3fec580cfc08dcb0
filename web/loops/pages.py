"""The Loops page: mappings listed, searched, sorted, paged, added and edited inline with htmx."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode, urlsplit

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain import validation
from domain.loops import rules
from domain.loops.bulk import UPLOAD_MAX, export_download, import_upload
from domain.loops.check import mapping_thumbnail
from domain.loops.files import find_loop_files, loop_version
from domain.loops.mapper import TrackMapper
from domain.models import TrackMapping
from domain.paging import PER_PAGE_CHOICES, Page
from domain.validation import InputError
from web.accounts.roles import Access, declare
from web.attachment import attachment

# Query values the page understands; anything else falls back to the first/default.
SHOW_CHOICES = ("active", "inactive", "all")
_ACTIVE_FILTER = {"active": True, "inactive": False, "all": None}
SORTABLE = ("key", "song_id", "loop", "plays", "last_played", "status", "updated")
PICKER_LIMIT = 50
ROWS_TARGET = "loops-rows"  # the <tbody> that search, sort and paging swap
# The server's lengths, given to the add and edit rows as maxlength: one rule, in rules.py.
LIMITS = {
    "artist": rules.PART_MAX,
    "title": rules.PART_MAX,
    "notes": rules.NOTES_MAX,
    "song_id": rules.SONG_ID_MAX,
}


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
    def parse(
        cls, q: str, show: str, sort: str, desc: bool, page: str, per_page: str
    ) -> tuple[Listing, dict[str, str]]:
        """The listing asked for, and the refusals of a page number or size that breaks the
        rule every listing follows (domain.validation), by field."""
        number, size, errors = validation.paging(
            page, per_page, PER_PAGE_CHOICES, _DEFAULTS["per_page"]
        )
        listing = cls(
            q=q.strip()[:200],
            show=show if show in SHOW_CHOICES else SHOW_CHOICES[0],
            sort=sort if sort in SORTABLE else "plays",
            desc=desc,
            page=number,
            per_page=size,
        )
        return listing, errors

    @classmethod
    def of_url(cls, url: str | None) -> Listing:
        """The listing a page's address shows (htmx sends it): what a change re-counts."""
        query = {key: values[-1] for key, values in parse_qs(urlsplit(url or "").query).items()}
        desc = query.get("desc", "true").lower() not in ("false", "0", "no")
        listing, _ = cls.parse(
            query.get("q", ""),
            query.get("show", "active"),
            query.get("sort", "plays"),
            desc,
            query.get("page", ""),
            query.get("per_page", ""),
        )
        return listing

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


def _row(mapping: TrackMapping, *, edit: bool = False, **context: Any) -> HTMXTemplate:
    name = "loops/edit_row.html" if edit else "loops/row.html"
    return HTMXTemplate(template_name=name, context={"m": mapping, "limits": LIMITS, **context})


async def _listed_again(request: HTMXRequest, mapper: TrackMapper) -> dict[str, Any]:
    """What the rows, the footer and the empty-table row need after mappings were added or
    deleted: the listing the page shows (from its address), read and counted again."""
    listing = Listing.of_url(request.htmx.current_url)
    return {"listing": listing, "result": await _read(mapper, listing)}


async def _read(mapper: TrackMapper, listing: Listing) -> Page[TrackMapping]:
    """The page of mappings `listing` shows."""
    return await mapper.page_mappings(
        search=listing.q,
        active=_ACTIVE_FILTER[listing.show],
        sort=listing.sort,
        descending=listing.desc,
        page=listing.page,
        per_page=listing.per_page,
    )


ExportFormat = Annotated[str, QueryParameter(name="format")]
IncludeInactive = Annotated[bool, QueryParameter(name="all")]
ImportForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


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
        page: FromQuery[str] = "",
        per_page: FromQuery[str] = "",
    ) -> Template:
        listing, errors = Listing.parse(q, show, sort, desc, page, per_page)
        context = {
            "listing": listing,
            "form": MappingForm(),
            "errors": {},
            "listing_errors": errors,
            "limits": LIMITS,
        }
        if errors:  # refused: no rows rather than rows the address did not ask for
            context["result"] = Page([], 0, 1, listing.per_page)
            return Template(template_name="loops/index.html", context=context, status_code=400)
        context["result"] = result = await _read(mapper, listing)
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
            context = {"form": data, "errors": error.by_field(), "limits": LIMITS}
            if not request.htmx:  # a browser without JavaScript gets the whole page back
                result = await mapper.page_mappings(per_page=Listing().per_page)
                context |= {"listing": Listing(), "result": result, "listing_errors": {}}
                return Template(template_name="loops/index.html", context=context, status_code=422)
            return HTMXTemplate(
                template_name="loops/add_row.html", context=context, status_code=422
            )
        if not request.htmx:
            return Redirect("/loops")
        context = {"form": MappingForm(), "errors": {}, "added": mapping, "limits": LIMITS}
        context |= await _listed_again(request, mapper)
        return HTMXTemplate(template_name="loops/add_row.html", context=context)

    @get("/export", name="loops_export")
    async def export(
        self,
        mapper: NamedDependency[TrackMapper],
        fmt: ExportFormat = "csv",
        include_inactive: IncludeInactive = False,
    ) -> Response[bytes]:
        """Every active mapping (`all`: deactivated too) as the CLI's export writes them."""
        try:
            download = await export_download(
                mapper.settings, fmt, include_inactive=include_inactive
            )
        except InputError as error:
            raise ClientException(str(error), extra={"field": error.field}) from None
        return Response(
            download.content,
            media_type=download.media_type,
            headers=attachment(download.filename),
        )

    @post("/import", status_code=200, request_max_body_size=UPLOAD_MAX)
    async def import_file(
        self, request: HTMXRequest, mapper: NamedDependency[TrackMapper], data: ImportForm
    ) -> Template:
        """A CSV or JSON file of mappings, all or nothing: the report lists bad rows by line."""
        upload = data.get("file")
        name, content = "", b""
        if isinstance(upload, UploadFile):
            name, content = upload.filename, await upload.read()
        update = str(data.get("update", "")) in ("on", "true", "1")
        report, import_errors = None, {}
        try:
            report = await import_upload(mapper, name, content, update=update)
        except InputError as error:
            import_errors = error.by_field()
        written = report is not None and report.written
        context: dict[str, Any] = {"report": report, "import_errors": import_errors}
        # The table shows what came in; a browser without JavaScript gets the whole page.
        context |= await _listed_again(request, mapper) | {"refresh": written and request.htmx}
        status = 200 if written else 422
        if not request.htmx:
            context |= {"form": MappingForm(), "errors": {}, "listing_errors": {}, "limits": LIMITS}
            return Template(template_name="loops/index.html", context=context, status_code=status)
        return HTMXTemplate(
            template_name="loops/import_report.html", context=context, status_code=status
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
            response = _row(mapping, edit=True, form=data, errors=error.by_field())
            response.status_code = 422
            return response
        # A new loop has no check yet: its row shows a preview made from the new file, under
        # an address of its own so the browser cannot show the old loop's from its cache.
        version = loop_version(mapper.loops_root(), mapping.loop_file_path)
        return _row(mapping, preview=version if mapping.loop_status is None else None)

    @post("/{mapping_id:int}/delete", status_code=200)
    async def delete(
        self,
        request: HTMXRequest,
        mapper: NamedDependency[TrackMapper],
        mapping_id: FromPath[int],
    ) -> Template | Redirect:
        """Delete for good (the button asks first); the row goes, the count follows."""
        await mapper.remove_mapping(mapping_id)
        if not request.htmx:
            return Redirect("/loops")
        context = await _listed_again(request, mapper)
        return HTMXTemplate(template_name="loops/deleted.html", context=context)

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
        data = await mapping_thumbnail(mapper, mapping_id)
        if not data:
            raise NotFoundException("no thumbnail for this mapping (yet)")
        return Response(
            data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"}
        )
