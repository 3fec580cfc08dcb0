"""The Litestar application: `create_app()` wires settings, the Resources, auth and routes.

uvicorn runs it as a factory (`uvicorn web.app:create_app --factory`; `crateloop web` does so).
The OpenAPI schema is served at /schema (JSON at /schema/openapi.json) behind login like every
other route: it describes an API that itself needs a session or a token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import redis.asyncio as aioredis
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from litestar.template.config import TemplateConfig
from redis.exceptions import RedisError

from domain import channels
from domain.accounts import setup_token, users
from domain.config import Settings, configure_logging, load_settings
from domain.loops.mapper import MappingNotFound, TrackMapper
from domain.resources import Resources, open_redis
from domain.tracklists.imports import ImportNotFound
from domain.tracklists.store import TracklistNotFound
from web import health
from web.accounts import auth
from web.dashboard import live
from web.dashboard.pages import DashboardController
from web.loops import api
from web.loops.fallbacks import FallbacksController
from web.loops.pages import LoopsController
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
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
# Enough connections for a burst of concurrent requests without opening new ones per request.
WEB_POOL_SIZE = 20
SESSION_REDIS_CONNECTIONS = 100
_BODY_FIELD = re.compile(r"at `\$\.([^`]+)`|required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"^Missing required \w+ parameter '([^']+)'")


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


def http_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """API → JSON naming the field; anonymous page → login; other pages → an HTML error page."""
    if not isinstance(error, HTTPException):
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        error = HTTPException(status_code=500, detail="internal server error")
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


def mapping_not_found(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """An unknown mapping id is a 404, in the shape of every other error of the route."""
    return http_error(request, NotFoundException(f"no mapping with id {error}"))


def not_found(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A lookup error whose message names what is missing ("no tracklist with id 7") → 404."""
    return http_error(request, NotFoundException(str(error)))


# App --------------------------------------------------------------------------------------------


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
        exclude=["^/static/", "^/health$"],
    )
    csrf = CSRFConfig(secret=settings.secret_key, cookie_httponly=True, cookie_samesite="lax")
    return Litestar(
        route_handlers=[
            *auth.ROUTES,
            *api.ROUTES,
            *tracklists_api.ROUTES,
            health.health,
            *hooks.ROUTES,
            DashboardController,
            LoopsController,
            FallbacksController,
            PlaysController,
            StationsController,
            TracklistsController,
            TracklistDraftsController,
            *live.ROUTES,
            *live_imports.ROUTES,
            create_static_files_router(path="/static", directories=[STATIC_DIR], name="static"),
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
            auth.SecureCookiesOverHttps,
            sessions.middleware,
            auth.AuthMiddleware,
            DefineMiddleware(auth.SessionCSRFMiddleware, config=csrf),
        ],
        stores={"sessions": RedisStore(session_redis, namespace=channels.web_sessions(settings))},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(title="crateloop", version="1", path="/schema"),
        exception_handlers={
            MappingNotFound: mapping_not_found,
            TracklistNotFound: not_found,
            ImportNotFound: not_found,
            Exception: http_error,
        },
        # Logging is configured once by configure_logging; Litestar's default would replace the
        # root logger's handlers. Unhandled errors are logged by http_error.
        logging_config=None,
    )
