"""Whose want-list a command-line run acts on: the CLI has no login, so it names the account
(`--user NAME`, or CRATELOOP_USER for scripts), or, when only one enabled account may keep a
want-list at all (the dj or admin role, as on the web), that one.
"""

from __future__ import annotations

from sqlalchemy import select

from domain.db import Sessions
from domain.models import Role, User
from domain.validation import InputError

# The roles the web's want-list routes need (web/accounts/roles.py Access.DJ).
KEEPERS = (Role.DJ, Role.ADMIN)


def _keeps_a_list(user: User) -> bool:
    return user.enabled and any(user.has_role(role) for role in KEEPERS)


async def want_list_owner(sessions: Sessions, username: str | None) -> User:
    """The account named, or the only one that may keep a want-list; InputError("user") naming
    what to do when there is no such account, it may not keep one, or the choice is open."""
    async with sessions() as session:
        if username:
            user = await session.scalar(select(User).where(User.username == username.strip()))
            if user is None:
                raise InputError("user", f"there is no account named {username!r}")
            if not _keeps_a_list(user):
                raise InputError(
                    "user", f"{user.username} may not keep a want-list: it needs the dj role"
                )
            return user
        everyone = (await session.scalars(select(User).order_by(User.username))).all()
    keepers = [user for user in everyone if _keeps_a_list(user)]
    if len(keepers) == 1:
        return keepers[0]
    if not keepers:
        raise InputError("user", "no account has the dj role: create one with `crateloop user`")
    names = ", ".join(user.username for user in keepers)
    raise InputError(
        "user", f"several accounts keep a want-list ({names}): name one with --user NAME"
    )
