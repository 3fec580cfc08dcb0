"""User accounts: argon2 passwords, sign-in, and the username and password rules."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from domain.db import Sessions
from domain.models import Role, User

USERNAME_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
PASSWORD_MIN = 8
# An account created without roles can do what any account could before roles existed.
DEFAULT_ROLES: tuple[Role, ...] = (Role.OPERATOR, Role.DJ)

_T = TypeVar("_T")

_hasher = PasswordHasher()
# Password hashing runs in its own threads, as many as the machine has cores for it: a burst of
# logins queues here instead of filling the default pool that every other blocking call shares,
# and the event loop keeps serving requests meanwhile. argon2 takes 64 MiB per hash, so this also
# bounds the memory a burst can take.
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="password-hash")
# Verified against when the username is unknown, so a wrong username costs as much as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class UserError(ValueError):
    """An account cannot be created or used as asked; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def login_username(typed: str) -> str:
    """The username a login means by what was typed: whitespace around it (any kind str.strip
    knows, vertical tab included) dropped, lowercased. The password check and the login
    throttle both key on this one form, so no spelling of a locked name gets past the lock."""
    return typed.strip().lower()


async def _hashing(work: Callable[..., _T], *args: str) -> _T:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, work, *args)


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


def validate_new_password(password: str, again: str, differ: str = "the passwords differ") -> str:
    """A new password typed twice: long enough, and the same both times (else `differ`)."""
    validate_password(password)
    if password != again:
        raise UserError("password", differ)
    return password


async def create_user(
    sessions: Sessions,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    roles: Collection[Role] | None = None,
) -> User:
    """Create an account with an argon2 password hash; UserError names the field at fault.

    `roles` default to DEFAULT_ROLES; `is_admin` adds admin; the first account is always admin."""
    validate_username(username)
    validate_password(password)
    chosen = set(DEFAULT_ROLES if roles is None and not is_admin else roles or ())
    if is_admin:
        chosen.add(Role.ADMIN)
    password_hash = await _hashing(_hasher.hash, password)
    try:
        async with sessions.begin() as session:
            # Serialises first-account creation so two at once cannot both miss being first.
            await session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
            if not await session.scalar(select(func.count()).select_from(User)):
                chosen.add(Role.ADMIN)
            user = User(username=username, password_hash=password_hash, roles=_ordered(chosen))
            session.add(user)
    except IntegrityError as error:
        raise UserError("username", f"the username {username!r} is taken") from error
    return user


def _ordered(roles: Collection[Role]) -> list[str]:
    return [role.value for role in Role if role in roles]


def parse_roles(names: Collection[str]) -> list[Role]:
    """The roles named (admin, operator, dj); UserError names a role that does not exist."""
    known = {role.value: role for role in Role}
    for name in names:
        if name not in known:
            raise UserError("role", f"no role {name!r}: choose from {', '.join(known)}")
    return [known[name] for name in names]


async def set_roles(sessions: Sessions, username: str, roles: Collection[Role]) -> User:
    """Give `username` exactly `roles`; UserError when there is no such user."""
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserError("username", f"no user named {username!r}")
        user.roles = _ordered(roles)
    return user


async def authenticate(sessions: Sessions, username: str, password: str) -> User | None:
    """The user when the password is right, else None; records the login time. `username` is
    read as login_username reads it."""
    username = login_username(username)
    async with sessions() as session:
        user = await session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    if not await _hashing(_verify, stored, password) or user is None or not user.enabled:
        return None
    values: dict[str, object] = {"last_login_at": datetime.now(UTC)}
    if _hasher.check_needs_rehash(user.password_hash):
        values["password_hash"] = await _hashing(_hasher.hash, password)
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.id == user.id).values(**values))
    return user


async def change_password(
    sessions: Sessions, user_id: int, current: str, new: str, new_again: str
) -> User:
    """Set a new password when `current` is right and `new` is typed the same twice; every other
    session of the account ends (its session generation goes up). UserError names the field."""
    async with sessions() as session:
        user = await session.get(User, user_id)
    if user is None:
        raise UserError("username", "this account no longer exists")
    if not await _hashing(_verify, user.password_hash, current):
        raise UserError("current_password", "the current password is wrong")
    validate_new_password(new, new_again, "the new passwords differ")
    password_hash = await _hashing(_hasher.hash, new)
    async with sessions.begin() as session:
        # Only over the hash that was checked: of two changes at once, the second finds the
        # current password no longer right.
        changed: User | None = await session.scalar(
            update(User)
            .where(User.id == user_id, User.password_hash == user.password_hash)
            .values(password_hash=password_hash, session_generation=User.session_generation + 1)
            .returning(User)
        )
    if changed is None:
        raise UserError("current_password", "the password was changed meanwhile: try again")
    return changed


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
