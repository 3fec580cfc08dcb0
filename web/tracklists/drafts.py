"""The draft editor of a tracklist: metadata, rows edited inline (htmx), moved, deleted, added,
pasted text, then published as a new version or discarded.

Every row change answers with the whole rows table: a change to one row can add or clear the
warnings of others (a duplicate position, a cue going backwards). Without JavaScript the forms
still work: a change redirects back to the editor, an error shows the whole page with it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain.models import User
from domain.resources import Resources
from domain.tracklists import drafts, text_format
from domain.tracklists.draft_fields import DraftError, track_from_fields
from domain.tracklists.drafts import Draft
from domain.tracklists.model import ParsedTrack, format_cue
from domain.tracklists.store import TracklistNotFound
from domain.tracklists.text_format import TextLineError
from web.accounts.roles import Access, declare
from web.tracklists.pages import TracklistForm

PASTE_MODES = ("append", "replace")

AnyRequest = Request[User, Any, Any]


@dataclass
class RowForm:
    """One row's fields as typed (checkboxes send "true" when ticked)."""

    position: str = ""
    cue: str = ""
    artist: str = ""
    title: str = ""
    remix: str = ""
    edit_note: str = ""
    label: str = ""
    url: str = ""
    with_previous: str = ""
    mashup: str = ""

    @classmethod
    def of(cls, track: ParsedTrack) -> RowForm:
        return cls(
            position="" if track.position is None else str(track.position),
            cue="" if track.cue_seconds is None else format_cue(track.cue_seconds),
            artist=track.artist or "",
            title=track.title or "",
            remix=track.remix or "",
            edit_note=track.edit_note or "",
            label=track.label or "",
            url=track.url or "",
            with_previous="true" if track.with_previous else "",
            mashup="true" if track.mashup else "",
        )

    def track(self) -> ParsedTrack:
        """The row as typed, checked like any draft row (DraftError names the field at fault)."""
        return track_from_fields(asdict(self))


@dataclass
class MoveForm:
    to_index: int = 0


@dataclass
class PasteForm:
    text: str = ""
    mode: str = "append"


def _meta_form(draft: Draft) -> TracklistForm:
    content = draft.content
    return TracklistForm(
        title=content.title,
        djs=", ".join(content.djs),
        source=content.source or "",
        date=content.date.isoformat() if content.date else "",
        genres=", ".join(content.genres),
    )


def _to_editor(tracklist_id: int) -> Redirect:
    return Redirect(f"/tracklists/{tracklist_id}/draft", status_code=303)


async def _draft(resources: Resources, tracklist_id: int) -> Draft:
    draft = await drafts.get_draft(resources.sessions, tracklist_id)
    if draft is None:
        raise TracklistNotFound(f"tracklist {tracklist_id} has no draft: start one from its page")
    return draft


def _rows_context(draft: Draft, **context: Any) -> dict[str, Any]:
    """What the rows table needs: which row is being edited, the add form, their errors."""
    return {
        "draft": draft,
        "editing": None,
        "row_form": RowForm(),
        "row_errors": {},
        "add_form": RowForm(),
        "add_errors": {},
        **context,
    }


async def _page(
    resources: Resources, tracklist_id: int, *, status_code: int = 200, **context: Any
) -> Template:
    """The whole editor; `context` carries the form and errors of whatever was just refused."""
    draft = await _draft(resources, tracklist_id)
    values = _rows_context(draft) | {
        "meta_form": _meta_form(draft),
        "meta_errors": {},
        "paste_form": PasteForm(),
        "text_errors": (),
        "paste_errors": {},
        "publish_error": None,
        "paste_modes": PASTE_MODES,
        **context,
    }
    return Template("tracklists/draft.html", context=values, status_code=status_code)


async def _rows(
    request: HTMXRequest,
    resources: Resources,
    tracklist_id: int,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template | Redirect:
    """After a row change: htmx gets the rows table; a plain form the editor again."""
    if not request.htmx:
        if status_code < 400:
            return _to_editor(tracklist_id)
        return await _page(resources, tracklist_id, status_code=status_code, **context)
    draft = await _draft(resources, tracklist_id)
    return HTMXTemplate(
        template_name="tracklists/draft_rows.html",
        context=_rows_context(draft, **context),
        status_code=status_code,
    )


class TracklistDraftsController(Controller):
    path = "/tracklists/{tracklist_id:int}/draft"
    opt = declare(Access.DJ)

    @post("/", status_code=303)
    async def start(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
    ) -> Redirect:
        """Edit as draft: a copy of the current version (or the draft already being edited)."""
        await drafts.start_draft(resources.sessions, tracklist_id, request.user.id)
        return _to_editor(tracklist_id)

    @get("/", name="tracklist_draft")
    async def editor(
        self, resources: NamedDependency[Resources], tracklist_id: FromPath[int]
    ) -> Template:
        return await _page(resources, tracklist_id)

    @post("/meta", status_code=200)
    async def save_meta(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        data: URLEncodedBody[TracklistForm],
    ) -> Template | Redirect:
        try:
            await drafts.update_draft_meta(
                resources.sessions,
                tracklist_id,
                title=data.title,
                djs=data.djs,
                source=data.source,
                date=data.date,
                genres=data.genres,
            )
        except DraftError as error:
            context = {
                "meta_form": data,
                "meta_errors": {error.field: str(error)},
                "tracklist_id": tracklist_id,
            }
            if request.htmx:
                return HTMXTemplate(
                    template_name="tracklists/draft_meta.html", context=context, status_code=422
                )
            # `context` names the tracklist already: passing it twice was a TypeError (a 500).
            page_context = {k: v for k, v in context.items() if k != "tracklist_id"}
            return await _page(resources, tracklist_id, status_code=422, **page_context)
        if not request.htmx:
            return _to_editor(tracklist_id)
        context = {
            "meta_form": data,
            "meta_errors": {},
            "tracklist_id": tracklist_id,
            "saved": True,
        }
        return HTMXTemplate(template_name="tracklists/draft_meta.html", context=context)

    # Rows ----------------------------------------------------------------------------------

    @get("/rows")
    async def rows(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
    ) -> Template | Redirect:
        return await _rows(request, resources, tracklist_id)

    @get("/rows/{row_id:int}/edit")
    async def edit_row(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        row_id: FromPath[int],
    ) -> Template | Redirect:
        row = (await _draft(resources, tracklist_id)).row(row_id)
        if not request.htmx:
            return await _page(
                resources, tracklist_id, editing=row_id, row_form=RowForm.of(row.track)
            )
        return await _rows(
            request, resources, tracklist_id, editing=row_id, row_form=RowForm.of(row.track)
        )

    @post("/rows/{row_id:int}", status_code=200)
    async def save_row(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        row_id: FromPath[int],
        data: URLEncodedBody[RowForm],
    ) -> Template | Redirect:
        try:
            await drafts.update_draft_row(resources.sessions, tracklist_id, row_id, data.track())
        except DraftError as error:
            errors = {error.field: str(error)}
            return await _rows(
                request,
                resources,
                tracklist_id,
                status_code=422,
                editing=row_id,
                row_form=data,
                row_errors=errors,
            )
        return await _rows(request, resources, tracklist_id)

    @post("/rows", status_code=200)
    async def add_row(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        data: URLEncodedBody[RowForm],
    ) -> Template | Redirect:
        try:
            await drafts.add_draft_row(resources.sessions, tracklist_id, data.track())
        except DraftError as error:
            errors = {error.field: str(error)}
            return await _rows(
                request, resources, tracklist_id, status_code=422, add_form=data, add_errors=errors
            )
        return await _rows(request, resources, tracklist_id)

    @post("/rows/{row_id:int}/move", status_code=200)
    async def move_row(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        row_id: FromPath[int],
        data: URLEncodedBody[MoveForm],
    ) -> Template | Redirect:
        await drafts.move_draft_row(resources.sessions, tracklist_id, row_id, data.to_index)
        return await _rows(request, resources, tracklist_id)

    @post("/rows/{row_id:int}/delete", status_code=200)
    async def delete_row(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        row_id: FromPath[int],
    ) -> Template | Redirect:
        await drafts.delete_draft_row(resources.sessions, tracklist_id, row_id)
        return await _rows(request, resources, tracklist_id)

    # Whole draft ---------------------------------------------------------------------------

    @post("/paste", status_code=200)
    async def paste(
        self,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
        data: URLEncodedBody[PasteForm],
    ) -> Template | Redirect:
        """Pasted text replaces the rows or follows them; a line that does not read → 422 naming
        it, with the text kept."""
        pasted = text_format.parse_text(data.text)
        errors: tuple[TextLineError, ...] = pasted.errors
        if not errors and not pasted.tracks:
            errors = (TextLineError(1, "", "nothing to paste: no line with a track"),)
        if errors or data.mode not in PASTE_MODES:
            paste_errors = {} if data.mode in PASTE_MODES else {"mode": "choose append or replace"}
            return await _page(
                resources,
                tracklist_id,
                status_code=422,
                paste_form=data,
                text_errors=errors,
                paste_errors=paste_errors,
            )
        try:
            await drafts.replace_draft_rows(
                resources.sessions, tracklist_id, pasted.tracks, append=data.mode == "append"
            )
        except DraftError as error:
            paste_errors = {"text": str(error)}
            return await _page(
                resources, tracklist_id, status_code=422, paste_form=data, paste_errors=paste_errors
            )
        return _to_editor(tracklist_id)

    @post("/publish", status_code=303)
    async def publish(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        tracklist_id: FromPath[int],
    ) -> Template | Redirect:
        """The draft becomes the next version; refused (no rows, nothing changed) → 422."""
        try:
            number = await drafts.publish_draft(resources.sessions, tracklist_id, request.user.id)
        except DraftError as error:
            return await _page(resources, tracklist_id, status_code=422, publish_error=str(error))
        return Redirect(f"/tracklists/{tracklist_id}?version={number}", status_code=303)

    @post("/discard", status_code=303)
    async def discard(
        self, resources: NamedDependency[Resources], tracklist_id: FromPath[int]
    ) -> Redirect:
        """Drop the draft (a tracklist never published goes with it)."""
        gone = await drafts.discard_draft(resources.sessions, tracklist_id)
        return Redirect("/tracklists" if gone else f"/tracklists/{tracklist_id}", status_code=303)
