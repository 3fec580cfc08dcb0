"""Who may use which route: each route handler declares one `Access` in its `opt` (`declare(...)`,
on the controller, overridden per handler), and one app-wide guard, `check_access`, enforces it.

- PUBLIC, anyone, logged in or not: /health, /static, /login, /logout, /setup, /hooks/…
- SIGNED_IN, any account: the OpenAPI schema (/schema)
- DASHBOARD, admin/operator/dj: the dashboard, /stats, its live updates (a dj only reads it)
- OPERATOR, admin/operator: loops and mappings (pages, /api/v1/mappings, resolve, stats),
  fallbacks, plays, the Stations list (read only)
- DJ, admin/dj: tracklists: pages, drafts, CUE, exports, imports, /api/v1/tracklists
- ADMIN, admin: stations' edits and hand-off settings (command hooks, Liquidsoap), caches,
  the default loop (and, as they come, users, roles and everyone's tokens)

Admin passes every check: an admin can grant itself any role, so keeping it out would only be a
detour. A route that declares nothing is refused to everyone (fail closed), and tests/test_roles.py
walks every route so such a route fails the suite before it ships.

An API token is accepted on TOKEN_PATHS only (the JSON API and its schema), never on an HTML page:
a page is for a browser with a session and a CSRF token. A `read` token may only GET.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.types import Scope

from domain.accounts.tokens import TokenUse
from domain.models import Role, User

OPT_KEY = "access"
API_PREFIX = "/api/v1"
SCHEMA_JSON = "/schema/openapi.json"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Access(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    DASHBOARD = "dashboard"
    OPERATOR = "operator"
    DJ = "dj"
    ADMIN = "admin"


ALLOWED: dict[Access, frozenset[Role]] = {
    Access.SIGNED_IN: frozenset(Role),
    Access.DASHBOARD: frozenset(Role),
    Access.OPERATOR: frozenset({Role.ADMIN, Role.OPERATOR}),
    Access.DJ: frozenset({Role.ADMIN, Role.DJ}),
    Access.ADMIN: frozenset({Role.ADMIN}),
}


def declare(access: Access) -> dict[str, Any]:
    """The `opt` a controller or route handler sets to say who may use it."""
    return {OPT_KEY: access}


def may(user: User | None, access: Access) -> bool:
    """Whether `user` (None: anonymous) may use a route declared `access`."""
    if access is Access.PUBLIC:
        return True
    if user is None:
        return False
    return any(user.has_role(role) for role in ALLOWED[access])


def is_public(scope: Scope) -> bool:
    """Whether the route a request reached is declared PUBLIC: the route's own declaration is the
    one place that says what anonymous callers may reach (the router has already chosen the handler
    for the path and method when the auth middleware asks)."""
    handler = scope.get("route_handler")
    return handler is not None and handler.opt.get(OPT_KEY) is Access.PUBLIC


def token_allowed(path: str) -> bool:
    """Whether an API token may authenticate a request to `path`."""
    return path in (API_PREFIX, SCHEMA_JSON) or path.startswith(API_PREFIX + "/")


def check_access(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The app-wide guard: the user's roles against the route's Access, then the token's scope."""
    access = handler.opt.get(OPT_KEY)
    if not isinstance(access, Access):
        raise PermissionDeniedException("this route declares no access rule, so it is closed")
    user = connection.scope.get("user")
    if access is Access.PUBLIC:
        return
    if user is None:
        raise NotAuthorizedException("log in first, or send Authorization: Bearer <token>")
    if not may(user, access):
        needed = " or ".join(sorted(role.value for role in ALLOWED[access]))
        raise PermissionDeniedException(f"this needs the {needed} role")
    token = connection.scope.get("token")
    if (
        isinstance(token, TokenUse)
        and connection.scope.get("method") not in SAFE_METHODS
        and not token.may_write
    ):
        raise PermissionDeniedException("this token is read-only: create one with --scope write")


@pass_context
def _may(context: Context, access: str) -> bool:
    """`may("admin")` in a template: whether the viewer may use routes of that Access."""
    request = context.get("request")
    user = request.scope.get("user") if request is not None else None
    return may(user, Access(access))


def add_template_globals(engine: JinjaTemplateEngine) -> None:
    """Gives templates `may(access)`, so pages hide what the viewer cannot do."""
    engine.engine.globals["may"] = _may
