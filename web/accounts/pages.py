"""The account pages every signed-in user has: their time zone, their own password and their API
tokens (an admin sees and revokes everyone's tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from domain.accounts import time_zones, tokens, users
from domain.models import TokenScope, User
from domain.resources import Resources
from domain.validation import InputError
from web.accounts.auth import start_session
from web.accounts.roles import Access, declare

AnyRequest = Request[Any, Any, State]


@dataclass
class PasswordForm:
    current_password: str = ""
    password: str = ""
    password_again: str = ""


@dataclass
class TimeZoneForm:
    time_zone: str = ""  # empty: the installation's DISPLAY_TIMEZONE


@dataclass
class TokenForm:
    name: str = ""
    scope: str = TokenScope.READ.value


def _viewer(request: AnyRequest) -> User:
    user = request.scope.get("user")
    assert isinstance(user, User), "the guard lets only signed-in users here"
    return user


def _password_page(
    *, changed: bool = False, error: users.UserError | None = None, status: int = 200
) -> Template:
    errors = {error.field: str(error)} if error else {}
    return Template(
        "accounts/password.html",
        context={"changed": changed, "errors": errors},
        status_code=status,
    )


async def _account_page(
    request: AnyRequest,
    resources: Resources,
    *,
    chosen: str | None = None,
    saved: bool = False,
    error: InputError | None = None,
) -> Template:
    # Read afresh: the signed-in user is cached for a few seconds (web/accounts/auth.py), and
    # this page must show the choice just saved.
    own = await time_zones.stored_time_zone(resources.reads, _viewer(request).id)
    default = resources.settings.display_timezone
    return Template(
        "accounts/account.html",
        context={
            "zones": time_zones.zone_names(),
            "chosen": (own or "") if chosen is None else chosen,
            "default_zone": default,
            "display_zone": time_zones.viewer_zone(own, default),
            "now": datetime.now(UTC),
            "saved": saved,
            "errors": error.by_field() if error else {},
        },
        status_code=400 if error else 200,
    )


async def _tokens_page(
    request: AnyRequest,
    resources: Resources,
    *,
    form: TokenForm | None = None,
    created: str | None = None,
    revoked: str = "",
    error: users.UserError | None = None,
    status: int = 200,
) -> Template:
    viewer = _viewer(request)
    return Template(
        "accounts/tokens.html",
        context={
            "listed": await tokens.list_tokens(resources.reads, viewer),
            "form": form or TokenForm(),
            "scopes": [scope.value for scope in TokenScope],
            "created": created,
            "revoked": revoked,
            "errors": {error.field: str(error)} if error else {},
            "everyone": viewer.is_admin,
        },
        status_code=status,
    )


class AccountController(Controller):
    path = "/account"
    opt = declare(Access.SIGNED_IN)

    @get("/", name="account")
    async def account_page(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        saved: FromQuery[bool] = False,
    ) -> Template:
        return await _account_page(request, resources, saved=saved)

    @post("/time-zone", status_code=303)
    async def set_time_zone(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[TimeZoneForm],
    ) -> Template | Redirect:
        """Choose the zone pages show times in (empty: the installation's default)."""
        try:
            await time_zones.set_time_zone(resources.sessions, _viewer(request).id, data.time_zone)
        except InputError as error:
            return await _account_page(request, resources, chosen=data.time_zone, error=error)
        return Redirect("/account?saved=true", status_code=303)

    @get("/password", name="account_password", sync_to_thread=False)
    def password_page(self, changed: FromQuery[bool] = False) -> Template:
        return _password_page(changed=changed)

    @post("/password", status_code=303)
    async def change_password(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[PasswordForm],
    ) -> Template | Redirect:
        """Change one's own password; the account's other sessions end, this one goes on under a
        new session id."""
        try:
            user = await users.change_password(
                resources.sessions,
                _viewer(request).id,
                data.current_password,
                data.password,
                data.password_again,
            )
        except users.UserError as error:
            return _password_page(error=error, status=400)
        start_session(request, user)
        return Redirect("/account/password?changed=true", status_code=303)

    @get("/tokens", name="account_tokens")
    async def tokens_page(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        revoked: FromQuery[str] = "",
    ) -> Template:
        return await _tokens_page(request, resources, revoked=revoked)

    @post("/tokens", status_code=201)
    async def create_token(
        self,
        request: AnyRequest,
        resources: NamedDependency[Resources],
        data: URLEncodedBody[TokenForm],
    ) -> Template:
        """Make a token for oneself and show it, this once (only its hash is kept)."""
        try:
            scope = tokens.parse_scope(data.scope)
            token = await tokens.create_api_token(
                resources.sessions, _viewer(request).username, data.name, scope
            )
        except users.UserError as error:
            return await _tokens_page(request, resources, form=data, error=error, status=400)
        return await _tokens_page(request, resources, created=token, status=201)

    @post("/tokens/{token_id:int}/revoke", status_code=303)
    async def revoke_token(
        self, request: AnyRequest, resources: NamedDependency[Resources], token_id: FromPath[int]
    ) -> Redirect:
        try:
            name = await tokens.revoke_token(resources.sessions, token_id, _viewer(request))
        except tokens.TokenNotFound as error:
            raise NotFoundException(str(error)) from None
        except tokens.NotYourToken as error:
            raise PermissionDeniedException(str(error)) from None
        return Redirect("/account/tokens", query_params={"revoked": name}, status_code=303)
