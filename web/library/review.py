"""The review queue page (/review): provisional rows beside their candidates, and a person's
decisions on them (accept or pick a candidate, mark unknown, reject, accept every suggestion above
a confidence). The rules are domain/library/review.py's; the keyboard is static/review.js.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from domain import validation
from domain.collection import file_review
from domain.library import identify, review
from domain.library.lookups import LookupFailed
from domain.resources import Resources
from domain.validation import InputError
from web.accounts.roles import Access, declare


@dataclass
class AcceptForm:
    candidate: str = "0"


@dataclass
class BulkForm:
    confidence: str = ""


@dataclass
class SearchForm:
    artist: str = ""
    title: str = ""
    url: str = ""


def _refused(error: InputError) -> ClientException:
    return ClientException(f"{error.field}: {error}", extra={"field": error.field})


def _decided(request: HTMXRequest, discovery_id: int, outcome: str) -> Template | Redirect:
    """A decided row: htmx swaps it for one line, a plain form goes back to the queue."""
    if not request.htmx:
        return Redirect("/review", status_code=303)
    context: dict[str, Any] = {"discovery_id": discovery_id, "outcome": outcome}
    return HTMXTemplate(template_name="library/review_done.html", context=context)


def _page_url(page: int) -> str:
    return f"/review?page={page}" if page > 1 else "/review"


class ReviewController(Controller):
    path = "/review"
    opt = declare(Access.DJ)

    @get("/", name="review")
    async def index(
        self,
        resources: NamedDependency[Resources],
        page: FromQuery[str] = "",
        accepted: FromQuery[str] = "",
    ) -> Template:
        """One page of provisional rows, newest mix first."""
        try:
            number = validation.page_number("page", page)
        except InputError as error:
            raise _refused(error) from None
        queue = await review.review_queue(resources.sessions, number)
        files = await file_review.file_review_queue(resources.sessions)
        context = {
            "queue": queue,
            "files": files,
            "differing": review.differing,
            "page_url": _page_url,
            "accepted": accepted if accepted.isdigit() else "",
        }
        return Template(template_name="library/review.html", context=context)

    @get("/count")
    async def count(self, resources: NamedDependency[Resources]) -> Template:
        """The navigation's badge: how many rows and collection files wait (htmx loads it
        after the page)."""
        waiting = await review.provisional_count(resources.sessions)
        waiting += await file_review.waiting_count(resources.sessions)
        return Template(template_name="library/review_badge.html", context={"waiting": waiting})

    @post("/{discovery_id:int}/accept", status_code=200)
    async def accept(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        discovery_id: FromPath[int],
        data: URLEncodedBody[AcceptForm],
    ) -> Template | Redirect:
        """Accept the suggestion, or the candidate picked (its place in the list)."""
        try:
            choice = review.parse_choice(data.candidate)
            track_id = await review.accept(resources.sessions, discovery_id, choice)
        except InputError as error:
            raise _refused(error) from None
        # The track may be a file the collection holds.
        await asyncio.to_thread(resources.jobs.match_library_changes)
        return _decided(request, discovery_id, f"accepted: library track {track_id}")

    @post("/{discovery_id:int}/unknown", status_code=200)
    async def unknown(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        discovery_id: FromPath[int],
    ) -> Template | Redirect:
        """The row is an unknown track (ID)."""
        await review.mark_unknown(resources.sessions, discovery_id)
        return _decided(request, discovery_id, "marked unknown")

    @post("/{discovery_id:int}/reject", status_code=200)
    async def reject(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        discovery_id: FromPath[int],
    ) -> Template | Redirect:
        """None of the candidates is the row."""
        await review.reject(resources.sessions, discovery_id)
        return _decided(request, discovery_id, "rejected")

    @post("/{discovery_id:int}/search", status_code=200)
    async def search(
        self,
        request: HTMXRequest,
        resources: NamedDependency[Resources],
        discovery_id: FromPath[int],
        data: URLEncodedBody[SearchForm],
    ) -> Template | Redirect:
        """Search by hand (artist and title, or a MusicBrainz or Discogs link): what is found
        joins the row's candidates, first. A refused input is a 422 beside the form; a service
        that does not answer is said there too."""
        found: int | None = None
        errors: dict[str, str] = {}
        status = 200
        try:
            found = await identify.search_by_hand(
                resources, discovery_id, artist=data.artist, title=data.title, url=data.url
            )
        except InputError as error:
            if not request.htmx:
                raise _refused(error) from None
            errors, status = error.by_field(), 422
        except LookupFailed as failed:
            errors = {"service": f"{failed}; nothing was changed, try again in a moment"}
        if not request.htmx:
            return Redirect(f"/review#review-{discovery_id}", status_code=303)
        search = {"open": True, "form": data, "errors": errors, "found": found}
        context = {
            "row": await review.queue_row(resources.sessions, discovery_id),
            "differing": review.differing,
            "search": search,
        }
        return HTMXTemplate(
            template_name="library/review_row.html", context=context, status_code=status
        )

    @post("/accept-above", status_code=303)
    async def accept_above(
        self, resources: NamedDependency[Resources], data: URLEncodedBody[BulkForm]
    ) -> Redirect:
        """Accept every suggestion at or above the confidence given (0 to 1)."""
        try:
            threshold = review.parse_threshold(data.confidence)
        except InputError as error:
            raise _refused(error) from None
        count = await review.accept_above(resources.sessions, threshold)
        if count:  # the tracks may be files the collection holds
            await asyncio.to_thread(resources.jobs.match_library_changes)
        return Redirect(f"/review?accepted={count}", status_code=303)

    @post("/files/{file_id:int}/accept", status_code=200)
    async def accept_file(
        self, request: HTMXRequest, resources: NamedDependency[Resources], file_id: FromPath[int]
    ) -> Template | Redirect:
        """The collection file is the suggested track: link it."""
        try:
            track_id = await file_review.accept_file(resources.sessions, file_id)
        except file_review.FileMatchNotFound as missing:
            raise NotFoundException(str(missing)) from None
        return _file_decided(request, file_id, f"linked to library track {track_id}")

    @post("/files/{file_id:int}/reject", status_code=200)
    async def reject_file(
        self, request: HTMXRequest, resources: NamedDependency[Resources], file_id: FromPath[int]
    ) -> Template | Redirect:
        """The collection file is not the suggested track: never suggest it again."""
        try:
            await file_review.reject_file(resources.sessions, file_id)
        except file_review.FileMatchNotFound as missing:
            raise NotFoundException(str(missing)) from None
        return _file_decided(request, file_id, "rejected")


def _file_decided(request: HTMXRequest, file_id: int, outcome: str) -> Template | Redirect:
    """A decided file: htmx swaps it for one line, a plain form goes back to the queue."""
    if not request.htmx:
        return Redirect("/review", status_code=303)
    context: dict[str, Any] = {"file_id": file_id, "outcome": outcome}
    return HTMXTemplate(template_name="library/review_file_done.html", context=context)
