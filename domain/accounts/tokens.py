"""API tokens: made for a user and shown once, stored as their sha256, looked up, revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from domain.accounts.users import Sessions, UserError
from domain.models import ApiToken, User

TOKEN_NAME_MAX = 100


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(sessions: Sessions, username: str, name: str = "api") -> str:
    """A new API token for `username`; only its sha256 is stored, so show it once."""
    name = name.strip()
    if not name or len(name) > TOKEN_NAME_MAX:
        raise UserError("name", f"token name must be 1 to {TOKEN_NAME_MAX} characters")
    token = "cl_" + secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        user_id = await session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UserError("username", f"no user named {username!r}")
        session.add(ApiToken(user_id=user_id, name=name, token_hash=_token_hash(token)))
    return token


async def user_for_token(sessions: Sessions, token: str) -> User | None:
    """The owner of an API token (and mark the token used), or None for an unknown token."""
    async with sessions.begin() as session:
        user_id = await session.scalar(
            update(ApiToken)
            .where(ApiToken.token_hash == _token_hash(token))
            .values(last_used_at=datetime.now(UTC))
            .returning(ApiToken.user_id)
        )
        return None if user_id is None else await session.get(User, user_id)


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
