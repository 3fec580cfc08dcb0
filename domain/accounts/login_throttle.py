"""Login throttling: attempts counted in Redis per username and address, and per address alone.

An attempt is counted *before* its password is checked. Counting failures afterwards let a burst of
concurrent attempts all pass the check while their hashes were still running, and every one of them
then cost a password hash (about 0.2 s of a core): a spray from one address queued real users'
logins behind it. Counted first, an address or username over its limit is refused at the cost of
one Redis round trip, and a successful login gives its count back.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import redis.asyncio as aioredis

from domain.accounts.users import login_username

LOGIN_FAILURES_ALLOWED = 5
# Across every username from one address: enough for an office behind one NAT address to mistype
# now and then, far too few for a spray over usernames (each attempt is one password guess).
ADDRESS_FAILURES_ALLOWED = 10
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
# A password check takes a fraction of a second; the expiry only frees an address whose process
# died mid-check.
CHECKING_EXPIRY_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Throttled:
    """An attempt refused unchecked: which limit it hit and the seconds until one is allowed."""

    limit: Literal["username", "address", "busy"]
    retry_after: int


def _key(prefix: str, *parts: str) -> str:
    # Hashed: any input, however long or odd, makes a short and safe key.
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    return f"{prefix}:{digest}"


def username_key(prefix: str, username: str, address: str) -> str:
    """The counter of attempts at `username` (as login reads it) from `address`."""
    return _key(prefix, "user", login_username(username), address)


def checking_key(prefix: str, address: str) -> str:
    """How many passwords from `address` are being checked now (0 or 1)."""
    return _key(prefix, "checking", address)


def address_key(prefix: str, address: str) -> str:
    """The counter of attempts at any username from `address`."""
    return _key(prefix, "address", address)


# One round trip, atomic: KEYS = checking, username, address; ARGV = the two limits, the window,
# the checking expiry. Answers {0, 0} to go on to the password check (the address's checking
# slot then held), {1, 1} busy, {2, ttl} over the username limit, {3, ttl} over the address's.
# A busy attempt is not counted: no password was tried.
_START = """
local checking = redis.call('incr', KEYS[1])
if checking == 1 then redis.call('expire', KEYS[1], ARGV[4]) end
if checking > 1 then
  redis.call('decr', KEYS[1])
  return {1, 1}
end
local counts = {}
for i = 2, 3 do
  counts[i] = redis.call('incr', KEYS[i])
  if counts[i] == 1 then redis.call('expire', KEYS[i], ARGV[3]) end
end
for i = 2, 3 do
  if counts[i] > tonumber(ARGV[i - 1]) then
    redis.call('decr', KEYS[1])
    return {i, math.max(redis.call('ttl', KEYS[i]), 1)}
  end
end
return {0, 0}
"""
# Frees the checking slot (KEYS[1]); ARGV[1] = "1" after a right password, which also forgets the
# username's failures (KEYS[2]) and gives the address (KEYS[3]) its attempt back. Only existing
# keys are decremented: a DECR after a key expired would leave one that never does.
_FINISH = """
local last = ARGV[1] == '1' and 3 or 1
for i = 1, last, 2 do
  if redis.call('exists', KEYS[i]) == 1 then redis.call('decr', KEYS[i]) end
end
if ARGV[1] == '1' then redis.call('del', KEYS[2]) end
return 0
"""
_LIMITS: dict[int, Literal["busy", "username", "address"]] = {
    1: "busy",
    2: "username",
    3: "address",
}


class LoginAttempt:
    """One login attempt's place in the counters: `throttled` says whether it may go on to the
    password check; `succeeded()` once the password was right."""

    def __init__(self, throttled: Throttled | None) -> None:
        self.throttled = throttled
        self.right_password = False

    def succeeded(self) -> None:
        """The password was right: the username's failures are forgotten and the address gets
        this attempt back."""
        self.right_password = True


@asynccontextmanager
async def login_attempt(
    redis: aioredis.Redis, prefix: str, username: str, address: str
) -> AsyncIterator[LoginAttempt]:
    """Count one attempt at `username` (as login reads it) from `address` for the block's length.

    One password check at a time per address: an attempt that arrives while another from its
    address is being checked is refused ("busy") uncounted. Without that, a burst from one
    address queued its hashes ahead of every other user's, however few of them the limits let
    through. The windows start at the first attempt."""
    keys = (
        checking_key(prefix, address),
        username_key(prefix, username, address),
        address_key(prefix, address),
    )
    limits = (LOGIN_FAILURES_ALLOWED, ADDRESS_FAILURES_ALLOWED)
    verdict, seconds = await redis.eval(
        _START, 3, *keys, *limits, LOGIN_FAILURE_WINDOW_SECONDS, CHECKING_EXPIRY_SECONDS
    )
    if verdict:
        yield LoginAttempt(Throttled(_LIMITS[int(verdict)], int(seconds)))
        return
    attempt = LoginAttempt(None)
    try:
        yield attempt
    finally:
        await redis.eval(_FINISH, 3, *keys, "1" if attempt.right_password else "0")
