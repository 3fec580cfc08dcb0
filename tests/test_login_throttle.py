"""Login throttling through HTTP: one normalised username for the lock and the login, a limit per
address across usernames, and no session or password check for a refused attempt."""

from __future__ import annotations

import redis.asyncio as aioredis

from domain import channels
from domain.accounts import login_throttle
from domain.accounts.login_throttle import ADDRESS_FAILURES_ALLOWED, LOGIN_FAILURES_ALLOWED
from domain.accounts.users import login_username
from domain.config import Settings
from tests.web_fixtures import PASSWORD, USERNAME, Client, log_in_client


async def _session_keys(settings: Settings) -> int:
    redis = aioredis.Redis.from_url(settings.redis_url)
    try:
        return len([k async for k in redis.scan_iter(f"{channels.web_sessions(settings)}:*")])
    finally:
        await redis.aclose()


def test_login_username_is_the_one_form() -> None:
    for typed in ("\x0boperator", " Operator\t", "OPERATOR\n", "\u2003operator\u3000"):
        assert login_username(typed) == "operator"
    key = login_throttle.username_key
    assert key("p", "\x0boperator", "1.2.3.4") == key("p", "operator", "1.2.3.4")
    assert key("p", "operator", "1.2.3.4") != key("p", "operator", "1.2.3.5")


async def test_a_locked_username_stays_locked_however_it_is_spelt(
    anon_client: Client, user: object, settings: Settings
) -> None:
    for _ in range(LOGIN_FAILURES_ALLOWED):
        assert (await log_in_client(anon_client, password="wrong password")).status_code == 400
    for spelling in (f"\x0b{USERNAME}", f" {USERNAME.upper()} ", USERNAME):
        refused = await log_in_client(anon_client, username=spelling, password=PASSWORD)
        assert refused.status_code == 429, spelling
        assert "Too many failed logins for this username from your address" in refused.text
        assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    # Nothing changed: no session was started or stored.
    assert (await anon_client.get("/api/v1/stats")).status_code == 401
    assert await _session_keys(settings) == 0


async def test_a_spray_over_usernames_from_one_address_is_throttled(
    anon_client: Client, user: object, settings: Settings
) -> None:
    answers = [
        (await log_in_client(anon_client, username=f"user{n}", password="a guess")).status_code
        for n in range(200)
    ]
    assert answers[:ADDRESS_FAILURES_ALLOWED] == [400] * ADDRESS_FAILURES_ALLOWED
    assert set(answers[ADDRESS_FAILURES_ALLOWED:]) == {429}
    refused = await log_in_client(anon_client)  # the right password waits too
    assert refused.status_code == 429
    assert "Too many failed logins from your address. Try again in 15 minutes." in refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert (await anon_client.get("/api/v1/stats")).status_code == 401
    assert await _session_keys(settings) == 0


async def _attempt(
    redis: aioredis.Redis, prefix: str, username: str, address: str, *, succeed: bool = False
) -> login_throttle.Throttled | None:
    async with login_throttle.login_attempt(redis, prefix, username, address) as attempt:
        if succeed and attempt.throttled is None:
            attempt.succeeded()
        return attempt.throttled


async def test_the_address_limit_spares_other_addresses_and_successes(
    settings: Settings, clean_db: None
) -> None:
    redis = aioredis.Redis.from_url(settings.redis_url)
    prefix = channels.login_throttle(settings)
    try:
        for n in range(ADDRESS_FAILURES_ALLOWED):
            assert await _attempt(redis, prefix, f"u{n}", "10.0.0.1") is None
        refused = await _attempt(redis, prefix, "u", "10.0.0.1")
        assert refused is not None
        assert refused.limit == "address"
        assert await _attempt(redis, prefix, "u", "10.0.0.2") is None

        # A login that succeeds gives its attempt back: logging in often never locks anyone out.
        for _ in range(ADDRESS_FAILURES_ALLOWED * 2):
            assert await _attempt(redis, prefix, "u", "10.0.0.3", succeed=True) is None
        # ...but never past the window: no counter is left without an expiry.
        key = login_throttle.address_key(prefix, "10.0.0.3")
        await redis.delete(key)
        assert await _attempt(redis, prefix, "u", "10.0.0.3", succeed=True) is None
        assert 0 < await redis.ttl(key) <= login_throttle.LOGIN_FAILURE_WINDOW_SECONDS
    finally:
        await redis.aclose()


async def test_one_password_check_at_a_time_per_address(settings: Settings, clean_db: None) -> None:
    redis = aioredis.Redis.from_url(settings.redis_url)
    prefix = channels.login_throttle(settings)
    try:
        async with login_throttle.login_attempt(redis, prefix, "a", "10.0.0.1") as first:
            assert first.throttled is None
            busy = await _attempt(redis, prefix, "b", "10.0.0.1")
            assert busy == login_throttle.Throttled("busy", 1)
            assert await _attempt(redis, prefix, "b", "10.0.0.2") is None
        # The busy attempt was not counted as a guess; the address is free again.
        assert int(await redis.get(login_throttle.address_key(prefix, "10.0.0.1")) or 0) == 1
        assert await _attempt(redis, prefix, "b", "10.0.0.1") is None
        assert await redis.ttl(login_throttle.checking_key(prefix, "10.0.0.1")) > 0
    finally:
        await redis.aclose()


async def test_a_successful_login_clears_the_username_failures(
    anon_client: Client, user: object
) -> None:
    for _ in range(LOGIN_FAILURES_ALLOWED - 1):
        assert (await log_in_client(anon_client, password="wrong password")).status_code == 400
    assert (await log_in_client(anon_client)).status_code == 303
    await anon_client.post("/logout", headers={"x-csrftoken": anon_client.cookies["csrftoken"]})
    for _ in range(LOGIN_FAILURES_ALLOWED):
        assert (await log_in_client(anon_client, password="wrong password")).status_code == 400
