"""Login throttling: failed logins counted in Redis per username and address, for a window."""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis

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
