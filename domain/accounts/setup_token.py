"""The first-run setup token: issued at start-up, used up by creating the first (admin) account."""

from __future__ import annotations

import secrets
import time

import redis.asyncio as aioredis

from domain.accounts.tokens import _token_hash
from domain.accounts.users import (
    UserError,
    create_user,
    user_count,
    validate_password,
    validate_username,
)
from domain.db import Sessions
from domain.models import User

# Several web workers start together: the first one issues the setup token, the others within
# this many seconds reuse it; a later start issues a fresh one (its log line is the valid one).
SETUP_TOKEN_REUSE_SECONDS = 60


async def issue_setup_token(redis: aioredis.Redis, key: str) -> str | None:
    """A fresh one-time setup token stored (hashed) under `key`, or None when another process
    issued one in the last SETUP_TOKEN_REUSE_SECONDS (its token stays valid)."""
    # The lock makes workers that start together agree on one token: only the winner logs it.
    if not await redis.set(f"{key}:issued", "1", nx=True, ex=SETUP_TOKEN_REUSE_SECONDS):
        return None
    token = secrets.token_urlsafe(24)
    await redis.set(key, f"{_token_hash(token)}:{int(time.time())}")
    return token


async def check_setup_token(redis: aioredis.Redis, key: str, token: str) -> bool:
    """Whether `token` is the current setup token."""
    stored = await redis.get(key)
    if stored is None or not token:
        return False
    expected = (stored.decode() if isinstance(stored, bytes) else str(stored)).split(":", 1)[0]
    return secrets.compare_digest(expected, _token_hash(token))


async def consume_setup_token(redis: aioredis.Redis, key: str, token: str) -> bool:
    """Delete the setup token if `token` is it; True for exactly one caller."""
    if not await check_setup_token(redis, key, token):
        return False
    # GETDEL is atomic: of two concurrent submissions only one gets the stored value back.
    return await redis.getdel(key) is not None


async def create_first_user(
    sessions: Sessions, redis: aioredis.Redis, key: str, token: str, username: str, password: str
) -> User:
    """Create the first (admin) account with the one-time setup token, which is then used up."""
    validate_username(username)
    validate_password(password)
    if await user_count(sessions) or not await consume_setup_token(redis, key, token):
        raise UserError("token", "this setup link is no longer valid")
    return await create_user(sessions, username, password, is_admin=True)


async def discard_setup_token(redis: aioredis.Redis, key: str) -> None:
    """Forget the setup token (an account exists, so setup is closed)."""
    await redis.delete(key, f"{key}:issued")
