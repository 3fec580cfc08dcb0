"""Login throttling: attempts counted in Redis per username and address, and per address alone.

An attempt is counted *before* its password is checked. Counting failures afterwards let a burst of
concurrent attempts all pass the check while their hashes were still running, and every one of them
then cost a password hash (about 0.2 s of a core): a spray from one address queued real users'
logins behind it. Counted first, an address or username over its limit is refused at the cost of
one Redis round trip, and a successful login gives its count back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis

from domain.accounts.users import login_username

LOGIN_FAILURES_ALLOWED = 5
# Across every username from one address: enough for an office behind one NAT address to mistype
# now and then, far too few for a spray over usernames (each attempt is one password guess).
ADDRESS_FAILURES_ALLOWED = 20
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Throttled:
    """An attempt refused unchecked: which limit it hit and the seconds until one is allowed."""

    limit: Literal["username", "address"]
    retry_after: int


def _key(prefix: str, *parts: str) -> str:
    # Hashed: any input, however long or odd, makes a short and safe key.
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


def username_key(prefix: str, username: str, address: str) -> str:
    """The counter of attempts at `username` (as login reads it) from `address`."""
    return _key(prefix, "user", login_username(username), address)


def address_key(prefix: str, address: str) -> str:
    """The counter of attempts at any username from `address`."""
    return _key(prefix, "address", address)


async def start_login_attempt(
    redis: aioredis.Redis, prefix: str, username: str, address: str
) -> Throttled | None:
    """Count one attempt at `username` from `address`; a Throttled when it is over a limit (then
    the password must not be checked), else None. The window starts at the first attempt."""
    keys = (username_key(prefix, username, address), address_key(prefix, address))
    async with redis.pipeline(transaction=True) as pipe:
        for key in keys:
            # SET NX EX rather than EXPIRE NX: the embedded Redis is 6.2, which lacks EXPIRE NX.
            pipe.set(key, 0, ex=LOGIN_FAILURE_WINDOW_SECONDS, nx=True)
            pipe.incr(key)
            pipe.ttl(key)
        _, user_count, user_ttl, _, address_count, address_ttl = await pipe.execute()
    if int(user_count) > LOGIN_FAILURES_ALLOWED:
        return Throttled("username", max(int(user_ttl), 1))
    if int(address_count) > ADDRESS_FAILURES_ALLOWED:
        return Throttled("address", max(int(address_ttl), 1))
    return None


async def login_succeeded(redis: aioredis.Redis, prefix: str, username: str, address: str) -> None:
    """Forget the username's failures and give the address back the attempt that succeeded."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(username_key(prefix, username, address))
        # Only while the window lasts: a DECR after it expired would leave a key that never does.
        pipe.eval(_DECREMENT_IF_PRESENT, 1, address_key(prefix, address))
        await pipe.execute()


_DECREMENT_IF_PRESENT = (
    "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"
)
