"""API tokens: made for a user and shown once, stored as their sha256, looked up, revoked.

A token has a scope, `read` or `write`; what it may reach is further capped by its owner's roles.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from domain.accounts.users import UserError
from domain.db import Sessions
from domain.models import ApiToken, TokenScope, User

TOKEN_NAME_MAX = 100


class TokenNotFound(LookupError):
    """No token with this id (or none the asker may see)."""


class NotYourToken(PermissionError):
    """The token belongs to another account, and the asker is no admin."""


@dataclass(frozen=True)
class TokenListing:
    """One token as the Tokens page lists it: never the token itself, which is not stored."""

    id: int
    name: str
    scope: TokenScope
    username: str
    created_at: datetime
    last_used_at: datetime | None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenUse:
    """Who a presented token speaks for, and with which scope."""

    user: User
    scope: TokenScope

    @property
    def may_write(self) -> bool:
        return self.scope is TokenScope.WRITE


def parse_scope(name: str) -> TokenScope:
    """The scope called `name`; UserError names the field when it is neither read nor write."""
    try:
        return TokenScope(name)
    except ValueError:
        choices = ", ".join(scope.value for scope in TokenScope)
        raise UserError("scope", f"no token scope {name!r}: choose from {choices}") from None


async def create_api_token(
    sessions: Sessions, username: str, name: str = "api", scope: TokenScope = TokenScope.READ
) -> str:
    """A new API token for `username`; only its sha256 is stored, so show it once."""
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise UserError("name", f"token name must be 1 to {TOKEN_NAME_MAX} characters")
    token = "cl_" + secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UserError("username", f"no user named {username!r}")
        session.add(
            ApiToken(user_id=user_id, name=name, token_hash=_token_hash(token), scope=scope.value)
        )
    return token


async def use_token(sessions: Sessions, token: str) -> TokenUse | None:
    """The owner and scope of an API token (and mark the token used), or None when unknown."""
    async with sessions.begin() as session:
        found = (
            await session.execute(
                update(ApiToken)
                .where(ApiToken.token_hash == _token_hash(token))
                .values(last_used_at=datetime.now(UTC))
                .returning(ApiToken.user_id, ApiToken.scope)
            )
        ).first()
        if found is None:
            return None
        user = await session.get(User, found.user_id)
        if user is None or not user.enabled:
            return None
        return TokenUse(user, TokenScope(found.scope))


async def user_for_token(sessions: Sessions, token: str) -> User | None:
    """The owner of an API token (and mark the token used), or None for an unknown token."""
    used = await use_token(sessions, token)
    return None if used is None else used.user


async def revoke_api_tokens(sessions: Sessions, username: str, name: str | None = None) -> int:
    """Delete `username`'s tokens (only those called `name` when given); returns how many."""
    async with sessions.begin() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UserError("username", f"no user named {username!r}")
        query = delete(ApiToken).where(ApiToken.user_id == user_id)
        if name is not None:
            query = query.where(ApiToken.name == name)
        result = await session.execute(query)
    return int(result.rowcount)  # type: ignore[attr-defined]


async def list_tokens(sessions: Sessions, viewer: User) -> list[TokenListing]:
    """The tokens `viewer` may see and revoke: their own, or everyone's for an admin; by owner,
    newest first."""
    query = (
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(User.username, ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if not viewer.is_admin:
        query = query.where(ApiToken.user_id == viewer.id)
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return [
        TokenListing(
            id=token.id,
            name=token.name,
            scope=TokenScope(token.scope),
            username=username,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
        )
        for token, username in rows
    ]


async def revoke_token(sessions: Sessions, token_id: int, by: User) -> str:
    """Delete one token, as `by` may: their own, or anyone's for an admin; returns its name.
    TokenNotFound when there is none, NotYourToken (nothing deleted) when it is another's."""
    async with sessions.begin() as session:
        token = await session.get(ApiToken, token_id, with_for_update=True)
        if token is None:
            raise TokenNotFound(f"no token with id {token_id}")
        if token.user_id != by.id and not by.is_admin:
            raise NotYourToken("this token belongs to another account: only an admin may revoke it")
        await session.delete(token)
        return token.name
