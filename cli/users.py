"""Account commands: `user create`, `token create`, `token revoke`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from domain.accounts import tokens, users
from domain.config import load_settings
from domain.db import Sessions, create_engine, create_sessionmaker
from domain.models import Role, TokenScope

T = TypeVar("T")


def _with_sessions(work: Callable[[Sessions], Awaitable[T]]) -> T:
    """Run `work` with database sessions; a UserError becomes a one-line error, exit status 1."""

    async def run() -> T:
        engine = create_engine(load_settings(), pool_size=1)
        try:
            return await work(create_sessionmaker(engine))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except users.UserError as error:
        raise click.ClickException(str(error)) from error


def _read_password() -> str:
    """From a hidden prompt (typed twice) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@click.group("user")
def user_group() -> None:
    """Accounts that may log in to the web UI."""


@user_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    "role_names",
    multiple=True,
    type=click.Choice([role.value for role in Role]),
    help="A role to give (repeat for several) [default: operator and dj; the first account is"
    " always admin].",
)
@click.option("--admin", is_flag=True, help="Shorthand for --role admin.")
def user_create(username: str, role_names: tuple[str, ...], admin: bool) -> None:
    """Create USERNAME; the password comes from a hidden prompt, or stdin when piped."""
    try:
        users.validate_username(username)
        roles = users.parse_roles(role_names) if role_names else None
    except users.UserError as error:
        raise click.ClickException(str(error)) from error
    password = _read_password()
    user = _with_sessions(
        lambda sessions: users.create_user(
            sessions, username, password, is_admin=admin, roles=roles
        )
    )
    kind = "admin " if user.is_admin else ""
    click.echo(f"created {kind}user {user.username} (roles: {', '.join(user.roles)})")


@click.group("token")
def token_group() -> None:
    """API tokens for `Authorization: Bearer <token>` on /api/v1."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice([scope.value for scope in TokenScope]),
    default=TokenScope.READ.value,
    show_default=True,
    help="read: GET only; write: also POST/PATCH/DELETE. The user's roles cap both.",
)
def token_create(username: str, name: str, scope: str) -> None:
    """Create an API token for USERNAME and print it (it is shown this once only)."""
    token = _with_sessions(
        lambda sessions: tokens.create_api_token(sessions, username, name, TokenScope(scope))
    )
    click.echo(token)


@token_group.command("revoke")
@click.argument("username")
@click.option("--name", help="Revoke only the tokens with this name [default: all].")
def token_revoke(username: str, name: str | None) -> None:
    """Revoke USERNAME's API tokens (all of them, or those called --name)."""
    count = _with_sessions(lambda sessions: tokens.revoke_api_tokens(sessions, username, name))
    click.echo(f"revoked {count} token{'' if count == 1 else 's'} of {username}")


COMMANDS: list[click.Command] = [user_group, token_group]
