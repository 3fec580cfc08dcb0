"""The Litestar application: `create_app()` wires settings, the Resources, auth and routes.

uvicorn runs it as a factory (`uvicorn web.app:create_app --factory`; `crateloop web` does so).
The OpenAPI schema (/schema/openapi.json) and its docs page (/schema/swagger) are web/api_docs.py.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl

import redis.asyncio as aioredis
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import File, Template
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.exceptions import RedisError

from domain import channels
from domain.accounts import setup_token, users
from domain.collection.store import FileNotFound
from domain.config import Settings, configure_logging, load_settings
from domain.enrichment.job import EnrichmentJobNotFound
from domain.library.discogs_wants import WantsImportNotFound
from domain.library.identify import JobNotFound
from domain.library.review import DiscoveryNotFound
from domain.library.statistics import SourceNotFound
from domain.library.store import TrackNotFound
from domain.library.wants import WantNotFound
from domain.loops.mapper import MappingNotFound, TrackMapper
from domain.resources import Resources, open_redis
from domain.stations.store import StationNotFound
from domain.tracklists.imports import ImportNotFound
from domain.tracklists.store import TracklistNotFound
from domain.validation import InputError, row_number, url_parameter
from web import api_docs, health, metrics, times
from web.accounts import auth, roles, users_page
from web.accounts.pages import AccountController
from web.collection import api as collection_api
from web.collection import pages as collection_pages
from web.dashboard import artwork, live, pins
from web.dashboard.pages import DashboardController
from web.enrichment import api as enrichment_api
from web.enrichment import pages as enrichment_pages
from web.library import api as library_api
from web.library import discovery
from web.library import pages as library_pages
from web.library.review import ReviewController
from web.loops import api
from web.loops.fallbacks import FallbacksController
from web.loops.media import LoopMediaController
from web.loops.pages import LoopsController
from web.loops.upload import upload_routes
from web.plays.pages import PlaysController
from web.stations import hooks
from web.stations.pages import StationsController
from web.tracklists import api as tracklists_api
from web.tracklists import live as live_imports
from web.tracklists.drafts import TracklistDraftsController
from web.tracklists.pages import TracklistsController

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
FAVICON = STATIC_DIR / "favicon.svg"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
# Enough connections for a burst of concurrent requests without opening new ones per request.
WEB_POOL_SIZE = 20
SESSION_REDIS_CONNECTIONS = 100
_BODY_FIELD = re.compile(r"at `\$\.([^`]+)`|required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"^Missing required \w+ parameter '([^']+)'")
# One line per unexpected error: its message is cut here, since a value sent by the caller can be
# in it (a 100 KB path once was, with a traceback per request).
ERROR_LOG_MAX = 300
# No inline script or style anywhere: htmx's config and the page scripts are in static/ (DESIGN
# §9); htmx is told not to inject its indicator styles (static/app.js). Album art comes through
# us too (/stations/artwork/…, web/dashboard/artwork.py): no page loads from anywhere else.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none';"
        " base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
HSTS = "max-age=31536000"


def provide_resources(state: State) -> Resources:
    return cast(Resources, state.resources)


def provide_mapper(state: State) -> TrackMapper:
    return cast(TrackMapper, state.mapper)


def _lifespan(settings: Settings, session_redis: aioredis.Redis) -> Callable[[Litestar], Any]:
    """Open the process's Resources and the loops service; close both at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        resources = Resources.open(settings, pool_size=WEB_POOL_SIZE)
        mapper = TrackMapper(resources, on_loop_changed=resources.jobs.check_loops)
        await mapper.start()
        app.state.resources = resources
        app.state.mapper = mapper
        try:
            try:
                await announce_setup(resources)
            except RedisError as error:
                # Serve anyway: /health then tells the operator what is wrong.
                log.error("cannot check for a first-run setup: Redis: %s", error)
            yield
        finally:
            await mapper.close()
            await resources.close()
            await session_redis.aclose()

    return lifespan


async def announce_setup(resources: Resources) -> None:
    """While no account exists, log one line with a one-time link to create the first one."""
    key = channels.setup_token(resources.settings)
    if await users.user_count(resources.sessions):
        await setup_token.discard_setup_token(resources.redis, key)
        return
    token = await setup_token.issue_setup_token(resources.redis, key)
    if token is None:
        log.info("no account exists yet: another web process has logged the setup link")
        return
    log.warning(
        "No account exists yet. Create the first one at"
        " http://localhost:%d/setup?token=%s (one use only; or run: crateloop user create NAME"
        " --admin)",
        resources.settings.port,
        token,
    )


# Every request and response -----------------------------------------------------------------------


async def security_headers(message: Message, scope: Scope) -> None:
    """Add SECURITY_HEADERS to every response (pages, API, static files, errors); HSTS only over
    https (behind a proxy uvicorn's --proxy-headers decides the scheme), or plain-HTTP local use
    would be told to use https it does not have."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if scope.get("scheme") == "https":
        headers["strict-transport-security"] = HSTS


class RefuseBadParameters:
    """Every path and query parameter passes `validation.url_parameter` before a handler reads
    it: one check for every route instead of one per handler, and a 400 naming the parameter
    instead of a database error on a NUL byte."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            for name, value in _parameters(scope):
                url_parameter(name, value)
            for name, number in _numbers(scope):
                row_number(name, number)
        except InputError as error:
            raise ClientException(str(error), extra={"field": error.field}) from None
        await self.app(scope, receive, send)


def _numbers(scope: Scope) -> list[tuple[str, int]]:
    """The request's integer path parameters (row ids, a version's number)."""
    # Litestar types path_params as strings; after routing they hold the converted values.
    params: dict[str, object] = dict(scope.get("path_params", {}))
    return [(name, v) for name, v in params.items() if type(v) is int]


def _parameters(scope: Scope) -> list[tuple[str, str]]:
    """The request's string path parameters and its query, decoded; InputError when the query
    is not UTF-8."""
    found = [(name, v) for name, v in scope.get("path_params", {}).items() if isinstance(v, str)]
    try:
        query = scope.get("query_string", b"").decode("utf-8")
        found += parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InputError("query", "the query string is not valid UTF-8") from None
    return found


# Errors -----------------------------------------------------------------------------------------


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path == api.API_PREFIX or request.url.path.startswith(api.API_PREFIX + "/")


def _body_field(message: str) -> str | None:
    """The JSON field a msgspec message is about ("... - at `$.artist`", "... field `title`")."""
    found = _BODY_FIELD.search(message)
    return next((g for g in found.groups() if g), None) if found else None


def error_body(error: HTTPException) -> dict[str, Any]:
    """`{"status_code", "detail", "field"?, "extra"?}`: one shape for every API error."""
    body: dict[str, Any] = {"status_code": error.status_code, "detail": error.detail}
    # Litestar names a missing parameter only in its message.
    if missing := _MISSING_PARAMETER.search(error.detail):
        body["field"] = missing.group(1)
    extra = error.extra
    if isinstance(extra, dict):
        body.update(extra)
    elif isinstance(extra, list) and extra:
        body["extra"] = extra
        first = extra[0]
        if isinstance(first, dict) and first.get("key"):
            body["field"] = _body_field(str(first.get("message", ""))) or first["key"]
    return body


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> HTTPException:
    """Log an unexpected error as ONE line with a request id; the 500 the caller sees names the
    id, so a report can be matched to the line (the traceback is logged at DEBUG)."""
    request_id = secrets.token_hex(6)
    message = str(error).replace("\n", " ")
    if len(message) > ERROR_LOG_MAX:
        message = message[:ERROR_LOG_MAX] + "…"
    log.error(
        "request %s: %s %s failed: %s: %s",
        request_id,
        request.method,
        request.url.path[:ERROR_LOG_MAX],
        type(error).__name__,
        message,
    )
    log.debug("request %s traceback", request_id, exc_info=error)
    return HTTPException(
        status_code=500,
        detail=f"internal server error (request id {request_id})",
        extra={"request_id": request_id},
    )


def http_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """API → JSON naming the field; anonymous page → login; other pages → an HTML error page."""
    if not isinstance(error, HTTPException):
        error = _unexpected(request, error)
    if _is_api(request):
        return Response(error_body(error), status_code=error.status_code, headers=error.headers)
    if isinstance(error, NotAuthorizedException):
        return auth.unauthorized_response(request, error.detail)
    detail = error.detail
    if isinstance(error, ValidationException) and isinstance(error.extra, list):
        detail = "; ".join(f"{e.get('key')}: {e.get('message')}" for e in error.extra) or detail
    return Template(
        "error.html",
        context={"status_code": error.status_code, "detail": detail},
        status_code=error.status_code,
        headers=error.headers,
    )


def too_deep(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A JSON body nested past the parser's depth (about 1,000 levels, from Python's recursion
    limit) is the caller's mistake, not a crash: 400 naming the body."""
    refused = ClientException("the JSON body is nested too deeply", extra={"field": "body"})
    return http_error(request, refused)


def mapping_not_found(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """An unknown mapping id is a 404, in the shape of every other error of the route."""
    return http_error(request, NotFoundException(f"no mapping with id {error}"))


def not_found(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A lookup error whose message names what is missing ("no tracklist with id 7") → 404."""
    return http_error(request, NotFoundException(str(error)))


@get("/favicon.ico", opt=roles.declare(roles.Access.PUBLIC))
async def favicon() -> File:
    """The icon browsers ask for at /favicon.ico whatever the page links (pages link the SVG)."""
    return File(FAVICON, media_type="image/svg+xml", content_disposition_type="inline")


# App --------------------------------------------------------------------------------------------


def _template_helpers(engine: JinjaTemplateEngine) -> None:
    roles.add_template_globals(engine)  # may(access)
    times.add_time_filters(engine)  # local_time


def create_app(settings: Settings | None = None) -> Litestar:
    """The web application for `settings` (default: loaded from the environment)."""
    settings = settings or load_settings()
    configure_logging(settings)
    hooks.redact_access_log()
    # A burst of requests (every open dashboard reconnecting after a restart) may want more than
    # the pool's connections at once: wait up to 5 s for a free one rather than fail.
    session_redis = open_redis(settings, max_connections=SESSION_REDIS_CONNECTIONS)
    sessions = ServerSideSessionConfig(
        key=auth.SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_SECONDS,
        httponly=True,
        samesite="lax",
        session_id_bytes=auth.SESSION_ID_BYTES,
        # /health must answer while Redis is down: it reads a session itself (web/health.py).
        # /metrics is for a scraper, which has no session.
        exclude=["^/static/", "^/health$", "^/metrics$"],
    )
    csrf = CSRFConfig(secret=settings.secret_key, cookie_httponly=True, cookie_samesite="lax")
    app = Litestar(
        route_handlers=[
            *auth.ROUTES,
            AccountController,
            *users_page.ROUTES,
            api_docs.api_only(
                [
                    *api.ROUTES,
                    *tracklists_api.ROUTES,
                    *library_api.ROUTES,
                    *collection_api.ROUTES,
                    *enrichment_api.ROUTES,
                    *discovery.API_ROUTES,
                    *pins.API_ROUTES,
                    *hooks.ROUTES,
                ]
            ),
            health.health,
            metrics.scrape_metrics,
            favicon,
            DashboardController,
            *pins.ROUTES,
            LoopsController,
            upload_routes(settings),
            LoopMediaController,
            FallbacksController,
            PlaysController,
            StationsController,
            TracklistsController,
            TracklistDraftsController,
            *library_pages.ROUTES,
            *collection_pages.ROUTES,
            *enrichment_pages.ROUTES,
            ReviewController,
            *discovery.PAGE_ROUTES,
            *live.ROUTES,
            *artwork.ROUTES,
            *live_imports.ROUTES,
            create_static_files_router(
                path="/static",
                directories=[STATIC_DIR],
                name="static",
                opt=roles.declare(roles.Access.PUBLIC),
            ),
        ],
        dependencies={
            "mapper": Provide(provide_mapper, sync_to_thread=False),
            "resources": Provide(provide_resources, sync_to_thread=False),
        },
        lifespan=[
            _lifespan(settings, session_redis),
            live.live_updates(settings),
        ],
        middleware=[
            RefuseBadParameters,
            auth.SecureCookiesOverHttps,
            DefineMiddleware(SessionMiddleware, backend=auth.LoginSessionBackend(config=sessions)),
            auth.AuthMiddleware,
            DefineMiddleware(auth.SessionCSRFMiddleware, config=csrf),
        ],
        stores={"sessions": RedisStore(session_redis, namespace=channels.web_sessions(settings))},
        plugins=[HTMXPlugin()],
        before_send=[security_headers],
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR,
            engine=JinjaTemplateEngine,
            engine_callback=_template_helpers,
        ),
        openapi_config=api_docs.openapi_config(),
        # The schema lists the API and the webhook only (api_docs.api_only), not the pages.
        include_in_schema=False,
        guards=[roles.check_access],
        exception_handlers={
            MappingNotFound: mapping_not_found,
            TracklistNotFound: not_found,
            ImportNotFound: not_found,
            SourceNotFound: not_found,
            JobNotFound: not_found,
            WantsImportNotFound: not_found,
            TrackNotFound: not_found,
            FileNotFound: not_found,
            WantNotFound: not_found,
            EnrichmentJobNotFound: not_found,
            DiscoveryNotFound: not_found,
            StationNotFound: not_found,
            RecursionError: too_deep,
            Exception: http_error,
        },
        # Logging is configured once by configure_logging; Litestar's default would replace the
        # root logger's handlers. Unhandled errors are logged by http_error.
        logging_config=None,
    )
    app.state.session_backend = ServerSideSessionBackend(config=sessions)
    # Around Litestar's own error handling: every answer is counted with the status it went out
    # with, refusals, errors and unknown paths included.
    app.asgi_handler = metrics.CountRequests(app.asgi_handler)
    return app
