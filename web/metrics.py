"""`GET /metrics` for a Prometheus scraper, and the web requests' figures it reports.

The route is open to one caller only: whoever sends `Authorization: Bearer <METRICS_TOKEN>`.
Without METRICS_TOKEN it is not served (404). A login session or an API token does not open it:
a scraper is neither a person nor a script of the API (web/accounts/roles.py keeps tokens to
/api/v1, and the route being PUBLIC there means the auth middleware leaves the header to us).
The token travels in a header only, so no access log line holds it.
"""

from __future__ import annotations

import time
from secrets import compare_digest
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from domain import metrics
from domain.metrics_scrape import CONTENT_TYPE, scrape
from domain.resources import Resources
from web.accounts.auth import bearer_token
from web.accounts.roles import Access, declare

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"


@get(
    PATH,
    cache=False,
    include_in_schema=False,
    opt={"exclude_from_csrf": True, **declare(Access.PUBLIC)},
)
async def scrape_metrics(
    request: Request[Any, Any, State], resources: NamedDependency[Resources]
) -> Response[bytes | str]:
    """Every process's figures in the Prometheus text format; 401 without the right token."""
    expected = resources.settings.metrics_token
    if not expected:
        raise NotFoundException()
    given = bearer_token(request.scope)
    if not given or not compare_digest(given.encode(), expected.encode()):
        return Response(
            "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>\n",
            status_code=401,
            media_type="text/plain",
            headers={"www-authenticate": 'Bearer realm="metrics"'},
        )
    body = await scrape(resources.redis, resources.settings)
    return Response(body, media_type=CONTENT_TYPE)


class CountRequests:
    """Counts every request with its route's template ("(unmatched)" for a path no route
    has), method, status and duration (`http_requests_total`, `http_request_duration_seconds`).
    It wraps the whole app, Litestar's error handling included, so it sees each answer's status
    as it went out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        started = time.perf_counter()
        status = 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            route = scope.get("path_template") or UNMATCHED
            metrics.http_request(method, route, status, time.perf_counter() - started)
