"""The API's documentation: the OpenAPI schema at /schema/openapi.json and Swagger UI at
/schema/swagger, served from static/vendor/swagger-ui so it works offline and under the app's
strict Content-Security-Policy (its start-up script is static/api-docs.js, not inline).

The schema describes what a script may call: the JSON API (/api/v1) and the webhook (/hooks).
Pages are left out in one place, `api_only()`: the app does not include its handlers in the
schema, and the routers this wraps put the API's back.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar import Router, get
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from web.accounts import roles

SCHEMA_PATH = "/schema"
DOCS_PATH = "/swagger"


def api_only(route_handlers: Sequence[ControllerRouterHandler]) -> Router:
    """`route_handlers` in the schema; the app leaves every other handler out of it
    (`include_in_schema=False` on the app, the innermost setting wins)."""
    return Router("/", route_handlers=list(route_handlers), include_in_schema=True)


@get(DOCS_PATH, name="api_docs")
async def docs_page() -> Template:
    """Swagger UI over the schema, every script and style from 'self'."""
    return Template("api_docs.html", context={"schema_url": f"{SCHEMA_PATH}/openapi.json"})


def openapi_config() -> OpenAPIConfig:
    """The schema (JSON only) and the docs page, both for signed-in users: they describe an API
    that itself needs a session or a token. No other viewer: Litestar's load from a CDN."""
    return OpenAPIConfig(
        title="crateloop",
        version="1",
        render_plugins=[JsonRenderPlugin()],
        openapi_router=Router(
            SCHEMA_PATH,
            route_handlers=[docs_page],
            include_in_schema=False,
            opt=roles.declare(roles.Access.SIGNED_IN),
        ),
    )
