"""Who is asking: session or API-token authentication for every route, CSRF, login/logout/setup.

Every route needs a user except the PUBLIC ones; which user may use which route is
web/accounts/roles.py's. A request with `Authorization: Bearer <token>` is judged by that token
alone (its session cookie is ignored) and skips CSRF: a browser cannot attach that header
cross-site. So a token works on /api/v1 only: on an HTML page it is refused with a 401.
Everything else that is authenticated rides on the session cookie, so every unsafe request of
that kind carries a CSRF token, on /api/v1 too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from secrets import compare_digest
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    Empty,
    Message,
    Receive,
    Scope,
    ScopeSession,
    Send,
)
from litestar.utils.scope.state import ScopeState

from domain import channels
from domain.accounts import login_throttle, setup_token, tokens, users
from domain.config import Settings
from domain.models import User
from domain.resources import Resources
from web.accounts import roles

SESSION_COOKIE = "session"
SESSION_ID_BYTES = 32
FORM_ENCODINGS = frozenset({RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART})
USER_CACHE_SECONDS = 5.0
USER_CACHE_SIZE = 1000
_BEARER = re.compile(r"Bearer\s+(\S+)\s*$", re.IGNORECASE)

AnyRequest = Request[Any, Any, State]


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "/": a login link must not lead elsewhere."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return "/"
    return target


def login_url(next_path: str) -> str:
    next_path = safe_next(next_path)
    return "/login" if next_path == "/" else f"/login?next={quote(next_path, safe='/')}"


def _resources(scope: Scope) -> Resources:
    resources: Resources = scope["app"].state.resources
    return resources


def bearer_token(scope: Scope) -> str | None:
    """The token of an `Authorization: Bearer` header, "" for a malformed one, None without."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            match = _BEARER.match(value.decode("latin-1"))
            return match.group(1) if match else ""
    return None


class AuthMiddleware:
    """Puts the user in `scope["user"]` (None when anonymous) and `scope["auth"]` ("token",
    "session" or None); refuses anonymous requests to non-public paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Session users seen lately: a page view should not cost a database query just to learn
        # who is asking. A deleted account is logged out within USER_CACHE_SECONDS.
        self._users: dict[int, tuple[float, User]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user, method = await self._identify(scope)
        scope["user"] = user
        scope["auth"] = method
        if user is None and not roles.is_public(scope):
            raise NotAuthorizedException("log in first, or send Authorization: Bearer <token>")
        await self.app(scope, receive, send)

    async def _identify(self, scope: Scope) -> tuple[User | None, str | None]:
        token = bearer_token(scope)
        if token is not None:
            return await _token_user(scope, token)
        session = scope.get("session")
        user_id = session.get("user_id") if isinstance(session, dict) else None
        if isinstance(session, dict) and isinstance(user_id, int):
            generation = session_generation(session)
            user = await self._session_user(scope, user_id, generation)
            if session_user_valid(user, session):
                return user, "session"
            # Ended (account deleted or disabled, password changed since): forget it on both
            # sides, so the next login starts clean.
            scope["session"] = {}
        return None, None

    async def _session_user(self, scope: Scope, user_id: int, generation: int) -> User | None:
        now = time.monotonic()
        cached = self._users.get(user_id)
        # A session newer than the cached user (it began after a password change) reads afresh;
        # an older one is refused at the latest when the cache expires, in every web process.
        if cached is not None and cached[0] > now and cached[1].session_generation >= generation:
            return cached[1]
        user = await users.get_user(_resources(scope).reads, user_id)
        if user is None:
            self._users.pop(user_id, None)
        else:
            if len(self._users) > USER_CACHE_SIZE:
                self._users.clear()
            self._users[user_id] = (now + USER_CACHE_SECONDS, user)
        return user


async def _token_user(scope: Scope, token: str) -> tuple[User | None, str | None]:
    """The owner of an API token, its use in `scope["token"]` for the scope check
    (web/accounts/roles.py). On an HTML page a token is refused before it is even looked up."""
    if not roles.token_allowed(scope["path"]):
        if roles.is_public(scope):
            return None, None  # a public route ignores credentials; the webhook has its own
        raise NotAuthorizedException("API tokens work on /api/v1 only; pages need a login")
    used = await tokens.use_token(_resources(scope).sessions, token) if token else None
    if used is None:
        return None, None
    scope["token"] = used  # type: ignore[typeddict-unknown-key]
    return used.user, "token"


def session_csrf_token(secret: str, session_id: str) -> str:
    """The CSRF token of one logged-in session: an HMAC of its id under SECRET_KEY, so a token
    is worthless in any other session and needs no storage."""
    message = f"csrf\0{session_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def session_generation(session: dict[str, Any]) -> int:
    """The account generation a login session began in (0 for one stored before there were
    generations: those stay valid until the account's first password change)."""
    generation = session.get("generation", 0)
    return generation if isinstance(generation, int) else -1


def session_user_valid(user: User | None, session: dict[str, Any]) -> bool:
    """Whether a login session still holds: its account exists and is enabled, and no password
    change has ended the session since it began."""
    return (
        user is not None and user.enabled and user.session_generation == session_generation(session)
    )


def _logged_in_session_id(scope: Scope) -> str | None:
    """The id of the request's session when it holds a login (as the response will store it)."""
    session = scope.get("session")
    if not isinstance(session, dict) or not isinstance(session.get("user_id"), int):
        return None
    session_id = ScopeState.from_scope(scope).session_id
    return session_id if isinstance(session_id, str) else None


class SessionCSRFMiddleware(CSRFMiddleware):
    """CSRF for every request not authenticated by an API token.

    A logged-in request must carry session_csrf_token of its own session (form field or
    x-csrftoken header): a token taken from another session is refused. Anonymous forms (login,
    setup) have no server session to bind to, so they keep Litestar's signed double-submit cookie.
    The `csrftoken` cookie always holds the token of the moment, for clients that read it there;
    a logged-in request is never checked against the cookie.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("auth") == "token" or should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request: AnyRequest = scope["litestar_app"].request_class(scope=scope, receive=receive)
        cookie = request.cookies.get(self.config.cookie_name)
        send = self._send_session_token(scope, send, cookie)
        session_id = _logged_in_session_id(scope) if scope.get("auth") == "session" else None
        if session_id is None:
            if cookie is not None and self._decode_csrf_token(cookie) is None:
                # A session token left from a login that ended: not a double-submit token, so
                # Litestar must issue a fresh one instead of reusing it.
                request.cookies.pop(self.config.cookie_name)
            await super().__call__(scope, receive, send)
            return
        expected = session_csrf_token(self.config.secret, session_id)
        if request.method not in self.config.safe_methods:
            sent = request.headers.get(self.config.header_name)
            if not sent and request.content_type[0] in FORM_ENCODINGS:
                sent = (await request.form()).get("_csrf_token")
            if not isinstance(sent, str) or not compare_digest(sent, expected):
                raise PermissionDeniedException("CSRF token verification failed")
        ScopeState.from_scope(scope).csrf_token = expected
        await self.app(scope, receive, send)

    def _send_session_token(self, scope: Scope, send: Send, cookie: str | None) -> Send:
        """Puts the session's token in the cookie when the response leaves a login in place whose
        token the client does not hold yet (just logged in, or a new session id)."""

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                session_id = _logged_in_session_id(scope)
                if session_id is not None:
                    token = session_csrf_token(self.config.secret, session_id)
                    if token != cookie:
                        self._set_cookie_if_needed(message, token)
            await send(message)

        return send_wrapper


class LoginSessionBackend(ServerSideSessionBackend):
    """Stores a session only once it holds something (a login): an anonymous request stores
    nothing and gets no session cookie. Litestar's backend stored an empty session, kept 14 days,
    for every anonymous request, so anyone could fill Redis by asking for /login."""

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if scope_session is not Empty and scope_session:
            await super().store_in_message(scope_session, message, connection)
        elif connection.cookies.get(self.config.key, "null") != "null":
            # A session ended (logout) or an unknown id was sent: forget it on both sides.
            await super().store_in_message(Empty, message, connection)


class SecureCookiesOverHttps:
    """Marks cookies `Secure` when the request came over HTTPS (behind a proxy: uvicorn's
    --proxy-headers decides the scheme), so plain-HTTP local use still works."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                cookies = headers.getall("set-cookie", [])
                if cookies:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secure = "secure" in cookie.lower().split("; ")
                        headers.add("set-cookie", cookie if secure else f"{cookie}; Secure")
            await send(message)

        await self.app(scope, receive, send_secure)


# Routes -----------------------------------------------------------------------------------------


@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = "/"


@dataclass
class SetupForm:
    token: str = ""
    username: str = ""
    password: str = ""
    password_again: str = ""


def _settings(request: AnyRequest) -> Settings:
    return _resources(request.scope).settings


def start_session(request: AnyRequest, user: User) -> None:
    """Log `user` in under a new session id, so an id planted before login is worthless."""
    request.cookies.pop(SESSION_COOKIE, None)  # the session backend reads this same dict
    request.clear_session()
    request.set_session({"user_id": user.id, "generation": user.session_generation})
    # Chosen here rather than by the session backend as it answers, so that the CSRF middleware
    # can hand out this session's token with this very response.
    ScopeState.from_scope(request.scope).session_id = secrets.token_hex(SESSION_ID_BYTES)


def _login_page(
    next_path: str,
    *,
    username: str = "",
    error: str | None = None,
    first_run: bool = False,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    return Template(
        "login.html",
        context={"next": next_path, "username": username, "error": error, "first_run": first_run},
        status_code=status,
        headers=headers,
    )


@get("/login")
async def login_page(
    request: AnyRequest, resources: NamedDependency[Resources], next: FromQuery[str | None] = None
) -> Template | Redirect:
    """The login form (or straight on when already logged in); before the first account exists
    it says how to create one (never the setup link itself: that stays in the web log)."""
    if request.scope.get("user") is not None:
        return Redirect(safe_next(next), status_code=303)
    first_run = not await users.user_count(resources.sessions)
    return _login_page(safe_next(next), first_run=first_run)


@post("/login")
async def login(
    request: AnyRequest, data: URLEncodedBody[LoginForm], resources: NamedDependency[Resources]
) -> Template | Redirect:
    """Check the password (rate-limited per username and address, and per address) and start a
    session."""
    next_path = safe_next(data.next)
    address = request.client.host if request.client else "unknown"
    username = users.login_username(data.username)
    prefix = channels.login_throttle(resources.settings)
    async with login_throttle.login_attempt(resources.redis, prefix, username, address) as attempt:
        if attempt.throttled is not None:
            return _throttled_page(next_path, data.username, attempt.throttled)
        user = await users.authenticate(resources.sessions, username, data.password)
        if user is None:
            error = "Wrong username or password."
            return _login_page(next_path, username=data.username, error=error, status=400)
        attempt.succeeded()
    start_session(request, user)
    return Redirect(next_path, status_code=303)


def _throttled_page(next_path: str, username: str, throttled: login_throttle.Throttled) -> Template:
    headers = {"Retry-After": str(throttled.retry_after)}
    if throttled.limit == "busy":
        error = "Another login from your address is being checked. Try again in a moment."
    else:
        minutes = -(-throttled.retry_after // 60)
        which = "for this username " if throttled.limit == "username" else ""
        error = (
            f"Too many failed logins {which}from your address."
            f" Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
    return _login_page(next_path, username=username, error=error, status=429, headers=headers)


@post("/logout", status_code=303)
async def logout(request: AnyRequest) -> Redirect:
    """End the session."""
    request.clear_session()
    return Redirect("/login", status_code=303)


def _setup_key(settings: Settings) -> str:
    return channels.setup_token(settings)


async def _setup_open(resources: Resources, token: str) -> bool:
    key = _setup_key(resources.settings)
    if await users.user_count(resources.sessions):
        return False
    return await setup_token.check_setup_token(resources.redis, key, token)


def _setup_page(
    token: str, *, username: str = "", error: str | None = None, field: str | None = None
) -> Template:
    return Template(
        "setup.html",
        context={"token": token, "username": username, "error": error, "field": field},
        status_code=200 if error is None else 400,
    )


@get("/setup")
async def setup_page(resources: NamedDependency[Resources], token: FromQuery[str] = "") -> Template:
    """First run: the form that creates the first (admin) account, with the logged setup link."""
    if not await _setup_open(resources, token):
        raise NotFoundException("there is no setup to do here")
    return _setup_page(token)


@post("/setup")
async def setup(
    request: AnyRequest, data: URLEncodedBody[SetupForm], resources: NamedDependency[Resources]
) -> Template | Redirect:
    """Create the first account, use up the setup token, and log the new admin in."""
    if not await _setup_open(resources, data.token):
        raise NotFoundException("there is no setup to do here")
    if data.password != data.password_again:
        return _setup_page(
            data.token, username=data.username, error="The passwords differ.", field="password"
        )
    try:
        user = await setup_token.create_first_user(
            resources.sessions,
            resources.redis,
            _setup_key(resources.settings),
            data.token,
            data.username.strip(),
            data.password,
        )
    except users.UserError as error:
        if error.field == "token":
            raise NotFoundException(str(error)) from error
        return _setup_page(data.token, username=data.username, error=str(error), field=error.field)
    start_session(request, user)
    return Redirect("/", status_code=303)


def unauthorized_response(request: AnyRequest, detail: str) -> Response[Any]:
    """Anonymous HTML → the login page (htmx: HX-Redirect); the API gets its 401 elsewhere.
    A token sent to a page gets a plain 401: it is a script, a login page would not help it."""
    if bearer_token(request.scope) is not None:
        return Response(detail, status_code=401, media_type="text/plain")
    if request.method == "GET":
        query = request.scope.get("query_string", b"").decode("latin-1")
        target = request.url.path + (f"?{query}" if query else "")
    else:
        target = "/"
    if request.headers.get("hx-request") == "true":
        current = urlsplit(request.headers.get("hx-current-url", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        return Response(detail, status_code=401, headers={"HX-Redirect": login_url(page or "/")})
    return Redirect(login_url(target), status_code=303)


# Logging in, out and the first-run setup are for anyone.
ROUTES: list[ControllerRouterHandler] = [
    Router(
        "/",
        route_handlers=[login_page, login, logout, setup_page, setup],
        opt=roles.declare(roles.Access.PUBLIC),
    )
]
