"""What an admin does to other accounts: list them, set roles, disable, enable, delete, and make
a one-time password reset link. At least one enabled admin always remains."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, any_, delete, func, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.tokens import _token_hash
from domain.accounts.users import UserError, _hasher, _hashing, _ordered, validate_new_password
from domain.db import Sessions
from domain.models import Role, User

# Long enough to pass the link on by another channel, short enough that a forgotten one dies.
RESET_LINK_HOURS = 24


@dataclass(frozen=True)
class UserListing:
    """One account as the Users page lists it."""

    id: int
    username: str
    roles: list[Role]
    enabled: bool
    created_at: datetime
    last_login_at: datetime | None


async def list_users(sessions: Sessions) -> list[UserListing]:
    """Every account, by username."""
    async with sessions() as session:
        found = (await session.scalars(select(User).order_by(User.username))).all()
    return [
        UserListing(
            id=user.id,
            username=user.username,
            roles=[role for role in Role if user.has_role(role)],
            enabled=user.enabled,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )
        for user in found
    ]


async def _locked_user(session: AsyncSession, user_id: int) -> User:
    # Serialises every change that could remove an admin (and create_user's first-account
    # check), so two at once cannot each leave the other admin as the last one and both go.
    await session.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
    user = await session.get(User, user_id)
    if user is None:
        raise UserError("user", f"no user with id {user_id}")
    return user


async def _keep_an_admin(session: AsyncSession, field: str) -> None:
    """Refuse (the transaction rolls back) when no enabled admin would remain."""
    await session.flush()
    admins = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.enabled, literal(Role.ADMIN.value) == any_(User.roles))
    )
    if not admins:
        raise UserError(field, "this is the last enabled admin: make another admin first")


async def set_user_roles(sessions: Sessions, user_id: int, roles: Collection[Role]) -> User:
    """Give the account exactly `roles`; refused if it would leave no enabled admin."""
    async with sessions.begin() as session:
        user = await _locked_user(session, user_id)
        user.roles = _ordered(roles)
        await _keep_an_admin(session, "role")
    return user


async def set_enabled(sessions: Sessions, user_id: int, enabled: bool) -> User:
    """Enable or disable the account; disabling ends its sessions (and its tokens are refused
    while it stays disabled). Refused if it would leave no enabled admin."""
    async with sessions.begin() as session:
        user = await _locked_user(session, user_id)
        if user.enabled != enabled:
            user.enabled = enabled
            user.session_generation += 1
        await _keep_an_admin(session, "enabled")
    return user


async def delete_user(sessions: Sessions, user_id: int) -> str:
    """Delete the account (its tokens go with it); returns its name. Refused for the last enabled
    admin."""
    async with sessions.begin() as session:
        user = await _locked_user(session, user_id)
        username = user.username
        await session.execute(delete(User).where(User.id == user_id))
        await _keep_an_admin(session, "delete")
    return username


async def make_reset_link_token(sessions: Sessions, user_id: int) -> tuple[str, User]:
    """A one-time token that sets a new password for the account within RESET_LINK_HOURS; only
    its sha256 is stored, so show it once. A newer one replaces any earlier."""
    token = secrets.token_urlsafe(24)
    until = datetime.now(UTC) + timedelta(hours=RESET_LINK_HOURS)
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise UserError("user", f"no user with id {user_id}")
        user.password_reset_hash = _token_hash(token)
        user.password_reset_until = until
    return token, user


def _reset_token_valid(token: str) -> ColumnElement[bool]:
    """The account the reset `token` is for, while the token has not expired."""
    return and_(
        User.password_reset_hash == _token_hash(token), User.password_reset_until > func.now()
    )


async def reset_link_user(sessions: Sessions, token: str) -> User | None:
    """The account a reset token is for while it is valid, else None."""
    if not token:
        return None
    async with sessions() as session:
        user: User | None = await session.scalar(select(User).where(_reset_token_valid(token)))
    return user


async def reset_password(sessions: Sessions, token: str, password: str, again: str) -> User:
    """Use up a reset token: set the password, end the account's sessions. UserError("token")
    when the link is used or expired, or names the password field."""
    validate_new_password(password, again)
    password_hash = await _hashing(_hasher.hash, password)
    async with sessions.begin() as session:
        # One statement finds and uses up the token: of two submissions only one gets a row.
        user: User | None = await session.scalar(
            update(User)
            .where(_reset_token_valid(token))
            .values(
                password_hash=password_hash,
                password_reset_hash=None,
                password_reset_until=None,
                session_generation=User.session_generation + 1,
            )
            .returning(User)
        )
    if user is None:
        raise UserError("token", "this password reset link is no longer valid")
    return user
