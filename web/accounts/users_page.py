"""The Users page (admins): accounts listed with their roles, created, given roles, disabled or
enabled, deleted, and a one-time password reset link; and the public page that link opens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from domain.accounts import administration, users
from domain.models import Role
from domain.resources import Resources
from web.accounts.roles import Access, declare

AnyRequest = Request[Any, Any, State]


@dataclass
class ResetForm:
    token: str = ""
    password: str = ""
    password_again: str = ""


async def _roles_of(request: AnyRequest) -> list[Role]:
    """The roles ticked in a form (`role`, once per box)."""
    return users.parse_roles((await request.form()).getall("role", []))


async def _users_page(
    resources: Resources,
    *,
    done: str = "",
    reset_link: str | None = None,
    username: str = "",
    error: users.UserError | None = None,
    status: int = 200,
) -> Template:
    return Template(
        "accounts/users.html",
        context={
            "listed": await administration.list_users(resources.reads),
            "roles": [role.value for role in Role],
            "done": done,
            "reset_link": reset_link,
            "username": username,
            "errors": {error.field: str(error)} if error else {},
            "reset_hours": administration.RESET_LINK_HOURS,
        },
        status_code=status,
    )


def _done(message: str) -> Redirect:
    return Redirect("/users", query_params={"done": message}, status_code=303)


class UsersController(Controller):
    path = "/users"
    opt = declare(Access.ADMIN)

    @get("/", name="users")
    async def index(
        self, resources: NamedDependency[Resources], done: FromQuery[str] = ""
    ) -> Template:
        return await _users_page(resources, done=done)

    @post("/", status_code=303)
    async def create(
        self, request: AnyRequest, resources: NamedDependency[Resources]
    ) -> Template | Redirect:
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        try:
            user = await users.create_user(
                resources.sessions, username, password, roles=await _roles_of(request)
            )
        except users.UserError as error:
            return await _users_page(resources, username=username, error=error, status=400)
        return _done(f"Created {user.username}.")

    @post("/{user_id:int}/roles", status_code=303)
    async def set_roles(
        self, request: AnyRequest, resources: NamedDependency[Resources], user_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            user = await administration.set_user_roles(
                resources.sessions, user_id, await _roles_of(request)
            )
        except users.UserError as error:
            return await _refused(resources, error)
        return _done(f"Saved the roles of {user.username}.")

    @post("/{user_id:int}/disable", status_code=303)
    async def disable(
        self, resources: NamedDependency[Resources], user_id: FromPath[int]
    ) -> Template | Redirect:
        return await _set_enabled(resources, user_id, False)

    @post("/{user_id:int}/enable", status_code=303)
    async def enable(
        self, resources: NamedDependency[Resources], user_id: FromPath[int]
    ) -> Template | Redirect:
        return await _set_enabled(resources, user_id, True)

    @post("/{user_id:int}/delete", status_code=303)
    async def delete(
        self, resources: NamedDependency[Resources], user_id: FromPath[int]
    ) -> Template | Redirect:
        try:
            username = await administration.delete_user(resources.sessions, user_id)
        except users.UserError as error:
            return await _refused(resources, error)
        return _done(f"Deleted {username}.")

    @post("/{user_id:int}/reset-link", status_code=201)
    async def reset_link(
        self, request: AnyRequest, resources: NamedDependency[Resources], user_id: FromPath[int]
    ) -> Template:
        """Show a one-time link that sets a new password for the account (shown this once)."""
        try:
            token, user = await administration.make_reset_link_token(resources.sessions, user_id)
        except users.UserError as error:
            return await _refused(resources, error)
        base = str(request.base_url).rstrip("/")
        link = f"{base}/reset-password?token={token}"
        done = f"A password reset link for {user.username}"
        return await _users_page(resources, done=done, reset_link=link, status=201)


async def _set_enabled(resources: Resources, user_id: int, enabled: bool) -> Template | Redirect:
    try:
        user = await administration.set_enabled(resources.sessions, user_id, enabled)
    except users.UserError as error:
        return await _refused(resources, error)
    if enabled:
        return _done(f"Enabled {user.username}.")
    return _done(f"Disabled {user.username}: logged out, and cannot log in.")


async def _refused(resources: Resources, error: users.UserError) -> Template:
    if error.field == "user":
        raise NotFoundException(str(error))
    return await _users_page(resources, error=error, status=400)


# The page the reset link opens: public, since whoever holds the link has no password.


def _reset_page(token: str, *, error: users.UserError | None = None) -> Template:
    errors = {error.field: str(error)} if error else {}
    return Template(
        "accounts/reset_password.html",
        context={"token": token, "errors": errors},
        status_code=200 if error is None else 400,
    )


@get("/reset-password", opt=declare(Access.PUBLIC))
async def reset_password_page(
    resources: NamedDependency[Resources], token: FromQuery[str] = ""
) -> Template:
    if await administration.reset_link_user(resources.sessions, token) is None:
        raise NotFoundException("this password reset link is no longer valid")
    return _reset_page(token)


@post("/reset-password", opt=declare(Access.PUBLIC), status_code=303)
async def reset_password(
    resources: NamedDependency[Resources], data: URLEncodedBody[ResetForm]
) -> Template | Redirect:
    """Set the new password with the link's token (used up), then on to the login page."""
    try:
        await administration.reset_password(
            resources.sessions, data.token, data.password, data.password_again
        )
    except users.UserError as error:
        if error.field == "token":
            raise NotFoundException(str(error)) from error
        return _reset_page(data.token, error=error)
    return Redirect("/login", status_code=303)


ROUTES: list[ControllerRouterHandler] = [UsersController, reset_password_page, reset_password]
