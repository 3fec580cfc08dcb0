"""Accounts: argon2 passwords, API tokens, the first-run setup token, login throttling."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from datetime import UTC, datetime

import redis.asyncio as aioredis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.models import ApiToken, User

USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
PASSWORD_MIN = 8
TOKEN_NAME_MAX = 100
# Several web workers start together: the first one issues the setup token, the others within
# this many seconds reuse it; a later start issues a fresh one (its log line is the valid one).
SETUP_TOKEN_REUSE_SECONDS = 60

Sessions = async_sessionmaker[AsyncSession]

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong username costs as much as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class UserError(ValueError):
    """An account cannot be created or used as asked; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def validate_username(username: str) -> str:
    """The username if valid: 1 to 64 characters of a-z, 0-9, `_`, `.`, `-`."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            "username",
            "username must be 1 to 64 characters of lowercase letters a-z, digits, '_', '.' or '-'"
            f" (got {username!r})",
        )
    return username


def validate_password(password: str) -> str:
    """The password if it is long enough."""
    if len(password) < PASSWORD_MIN:
        raise UserError("password", f"password must be at least {PASSWORD_MIN} characters long")
    return password


async def create_user(
    sessions: Sessions, username: str, password: str, *, is_admin: bool = False
) -> User:
    """Create an account with an argon2 password hash; UserError names the field at fault."""
    validate_username(username)
    validate_password(password)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    user = User(username=username, password_hash=password_hash, is_admin=is_admin)
    try:
        async with sessions.begin() as session:
            session.add(user)
    except IntegrityError as error:
        raise UserError("username", f"the username {username!r} is taken") from error
    return user


async def authenticate(sessions: Sessions, username: str, password: str) -> User | None:
    """The user when the password is right, else None; records the login time."""
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    if not await asyncio.to_thread(_verify, stored, password) or user is None:
        return None
    values: dict[str, object] = {"last_login_at": datetime.now(UTC)}
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = await asyncio.to_thread(_hasher.hash, password)
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.id == user.id).values(**values))
    return user


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def get_user(sessions: Sessions, user_id: int) -> User | None:
    """The user with this id, or None (e.g. deleted since the session began)."""
    async with sessions() as session:
        return await session.get(User, user_id)


async def user_count(sessions: Sessions) -> int:
    """How many accounts exist (0 means the first-run setup is open)."""
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(User)) or 0


# API tokens -------------------------------------------------------------------------------------


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


# First-run setup token --------------------------------------------------------------------------


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


# Login throttling -------------------------------------------------------------------------------

LOGIN_FAILURES_ALLOWED = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


def login_throttle_key(prefix: str, username: str, ip: str) -> str:
    """The Redis counter for failed logins of `username` from `ip` (hashed: any input is safe)."""
    digest = hashlib.sha256(f"{username.casefold()}\0{ip}".encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


async def login_retry_after(redis: aioredis.Redis, key: str) -> int:
    """Seconds until another login attempt is allowed; 0 when it is allowed now."""
    failures = await redis.get(key)
    if failures is None or int(failures) < LOGIN_FAILURES_ALLOWED:
        return 0
    return max(int(await redis.ttl(key)), 1)


async def record_login_failure(redis: aioredis.Redis, key: str) -> None:
    """Count one failed login; the window starts at the first failure."""
    async with redis.pipeline(transaction=True) as pipe:
        # SET NX EX rather than EXPIRE NX: the embedded Redis is 6.2, which lacks EXPIRE NX.
        pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
        pipe.incr(key)
        await pipe.execute()


async def clear_login_failures(redis: aioredis.Redis, key: str) -> None:
    await redis.delete(key)
