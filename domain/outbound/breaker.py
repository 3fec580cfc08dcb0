"""Circuit breakers kept in Redis, so every process stops asking a service at once.

Two policies over one hash per service (`until`: the epoch ms it is open until):
- `Breaker` (1001tracklists, identification): opened by the caller (a challenge page, a
  Retry-After beyond the cap, rate limits that persist), it stays open for `base_seconds` *
  2^(consecutive openings - 1), at most `max_seconds`, or longer when the service named a later
  time. A success once it is closed resets the count.
- `CircuitBreaker` (the enrichment APIs): closed, open and half-open. `threshold` consecutive
  failures open it for `window_seconds`; then it is half-open (requests go through), `successes`
  answers close it and one failure opens it again.
The times are Redis's clock, shared by all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import redis.asyncio as aioredis

from domain import metrics

BASE_SECONDS = 5 * 60.0
MAX_SECONDS = 24 * 3600.0
# The opening count outlives the opening itself: a block soon after the last one doubles.
COUNT_TTL_SECONDS = 7 * 24 * 3600

# Every script starts from Redis's clock.
_NOW = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""

# KEYS: the breaker hash. ARGV: base ms, max ms, at-least-until ms (0: none), count ttl ms.
# Returns the time (epoch ms) the breaker stays open until.
_OPEN = (
    _NOW
    + """
local openings = redis.call('HINCRBY', KEYS[1], 'openings', 1)
local duration = math.min(tonumber(ARGV[1]) * 2 ^ (openings - 1), tonumber(ARGV[2]))
local until_ms = math.floor(now_ms + duration)
local current = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
until_ms = math.max(until_ms, tonumber(ARGV[3]), current)
redis.call('HSET', KEYS[1], 'until', string.format('%d', until_ms))
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), until_ms - now_ms + 60000))
return string.format('%d', until_ms)
"""
)

# KEYS: the breaker hash. Returns the epoch ms it is open until, or 0 when closed.
_OPEN_UNTIL = (
    _NOW
    + """
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ms > now_ms then return string.format('%d', until_ms) end
return '0'
"""
)

# A success resets the count, unless another process opened the breaker in the meantime.
_SUCCEED = (
    _NOW
    + """
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if until_ms <= now_ms then redis.call('DEL', KEYS[1]) end
return 0
"""
)


class CircuitOpen(Exception):
    """The breaker is open: nothing is requested until `retry_at`; `reason` is for logs;
    `rate_limited` when the service's own rate limit opened it just now (429, Retry-After)."""

    def __init__(self, retry_at: datetime, reason: str, *, rate_limited: bool = False) -> None:
        self.retry_at = retry_at
        self.reason = reason
        self.rate_limited = rate_limited
        super().__init__(f"{reason}: no request before {retry_at:%H:%M} UTC")


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)


class Breaker:
    """Open/closed state of one service, shared through Redis under `key`."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key: str,
        *,
        base_seconds: float = BASE_SECONDS,
        max_seconds: float = MAX_SECONDS,
        count_ttl_seconds: int = COUNT_TTL_SECONDS,
    ) -> None:
        self.key = key
        self.base_seconds = base_seconds
        self.max_seconds = max_seconds
        self.count_ttl_seconds = count_ttl_seconds
        self._redis = redis

    async def open_until(self) -> datetime | None:
        """When the breaker closes again, or None when it is closed."""
        raw = await self._redis.eval(_OPEN_UNTIL, 1, self.key)
        until = int(raw)
        return _at(until) if until else None

    async def raise_if_open(self, reason: str = "the breaker is open") -> None:
        """CircuitOpen while the breaker is open."""
        retry_at = await self.open_until()
        if retry_at is not None:
            raise CircuitOpen(retry_at, reason)

    async def trip(self, *, at_least_until: datetime | None = None) -> datetime:
        """Open for base * 2^(consecutive openings - 1), at least until the given time."""
        floor_ms = int(at_least_until.timestamp() * 1000) if at_least_until else 0
        raw = await self._redis.eval(
            _OPEN,
            1,
            self.key,
            int(self.base_seconds * 1000),
            int(self.max_seconds * 1000),
            floor_ms,
            self.count_ttl_seconds * 1000,
        )
        return _at(int(raw))

    async def succeeded(self) -> None:
        """An answer came back fine: the next opening starts from the base duration again."""
        await self._redis.eval(_SUCCEED, 1, self.key)

    async def failed(self) -> datetime:
        """A request failed after its retries (5xx, timeouts): this policy opens at once."""
        return await self.trip()

    async def answered_badly(self) -> None:
        """The service answered, but nothing usable (an HTML page, broken JSON): for this policy
        an answer all the same, which resets the doubling."""
        await self.succeeded()

    async def openings(self) -> int:
        """How many consecutive openings the count holds (for tests and status pages)."""
        raw = await self._redis.hget(self.key, "openings")
        return int(raw or 0)


# --- closed, open, half-open ------------------------------------------------------------------

THRESHOLD = 5  # consecutive failures that open a closed breaker
WINDOW_SECONDS = 60.0  # how long it stays open before requests are tried again (half-open)
SUCCESSES = 2  # answers in half-open that close it
FAILURES_TTL_SECONDS = 7 * 24 * 3600  # a failure count nobody adds to is forgotten


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


# The hash holds `until` (epoch ms; 0 or missing: closed), `failures`, `successes` and `noted`,
# the state last reported. Every script returns {until ms, state, failures, changed 0/1}.
_STATE = """
local function state_of(until_ms)
  if until_ms > now_ms then return 'open' end
  if until_ms > 0 then return 'half_open' end
  return 'closed'
end
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
local noted = redis.call('HGET', KEYS[1], 'noted') or 'closed'
local function answer(state)
  local changed = 0
  if state ~= noted then changed = 1 end
  if state == 'closed' and failures == 0 then
    redis.call('DEL', KEYS[1])
  elseif state == 'closed' then
    redis.call('HDEL', KEYS[1], 'until', 'successes', 'noted')
  else
    redis.call('HSET', KEYS[1], 'noted', state)
  end
  return {string.format('%d', until_ms), state, failures, changed}
end
local function open_until(ms)
  until_ms = math.max(ms, until_ms)
  redis.call('HSET', KEYS[1], 'until', string.format('%d', until_ms), 'successes', 0)
  redis.call('PEXPIRE', KEYS[1], until_ms - now_ms + tonumber(ARGV[1]))
  return answer('open')
end
"""

# ARGV: ttl ms. The state now (an open breaker whose time ran out becomes half-open here).
_CHECK = _NOW + _STATE + "\nreturn answer(state_of(until_ms))\n"

# ARGV: ttl ms, threshold, window ms.
_FAIL = (
    _NOW
    + _STATE
    + """
local state = state_of(until_ms)
if state == 'open' then return answer(state) end
failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if state == 'half_open' or failures >= tonumber(ARGV[2]) then
  return open_until(now_ms + tonumber(ARGV[3]))
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return answer(state)
"""
)

# ARGV: ttl ms, successes that close a half-open breaker.
_SUCCESS = (
    _NOW
    + _STATE
    + """
local state = state_of(until_ms)
if state == 'half_open' then
  if redis.call('HINCRBY', KEYS[1], 'successes', 1) >= tonumber(ARGV[2]) then
    until_ms, failures = 0, 0
    return answer('closed')
  end
  return answer(state)
end
if state == 'closed' then failures = 0 end
return answer(state)
"""
)

# ARGV: ttl ms, open until (epoch ms).
_TRIP = _NOW + _STATE + "\nreturn open_until(tonumber(ARGV[2]))\n"


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """What a Sources page shows of a breaker."""

    state: BreakerState
    open_until: datetime | None  # when it turns half-open; None unless open
    failures: int  # consecutive failures counted


class CircuitBreaker(Breaker):
    """Closed, open and half-open, shared through Redis under `key`; `name` labels the
    `circuit_breaker_state` metric, reported on every change of state any process sees."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key: str,
        *,
        name: str,
        threshold: int = THRESHOLD,
        window_seconds: float = WINDOW_SECONDS,
        successes: int = SUCCESSES,
    ) -> None:
        super().__init__(redis, key)
        self.name = name
        self.threshold = threshold
        self.window_seconds = window_seconds
        self.successes = successes

    async def status(self) -> BreakerStatus:
        """The state now, when an open breaker turns half-open, and the failures counted."""
        return await self._run(_CHECK)

    async def open_until(self) -> datetime | None:
        """When the breaker turns half-open, or None while requests may go (closed, half-open)."""
        return (await self.status()).open_until

    async def trip(self, *, at_least_until: datetime | None = None) -> datetime:
        """Open now: for the window, or until the given time (a Retry-After beyond the cap)."""
        until = at_least_until or datetime.now(UTC) + timedelta(seconds=self.window_seconds)
        status = await self._run(_TRIP, int(until.timestamp() * 1000))
        assert status.open_until is not None
        return status.open_until

    async def failed(self) -> datetime:
        """One more failure: the threshold reached (or any failure while half-open) opens it.
        Returns when requests may go again (now, when it stays closed)."""
        status = await self._run(_FAIL, self.threshold, int(self.window_seconds * 1000))
        return status.open_until or datetime.now(UTC)

    async def answered_badly(self) -> None:
        """An unusable answer (an HTML page, broken JSON, an error in the body) is a failure."""
        await self.failed()

    async def succeeded(self) -> None:
        """A good answer: the failures start from nought; in half-open, one step to closed."""
        await self._run(_SUCCESS, self.successes)

    async def _run(self, script: str, *args: int) -> BreakerStatus:
        raw = await self._redis.eval(script, 1, self.key, FAILURES_TTL_SECONDS * 1000, *args)
        until, state, failures, changed = raw
        current = BreakerState(state.decode() if isinstance(state, bytes) else state)
        if int(changed):
            metrics.breaker_state(self.name, current.value)
        opened = _at(int(until)) if current is BreakerState.OPEN else None
        return BreakerStatus(current, opened, int(failures))
