"""Attempt throttling with exponential backoff and temporary lockout.

Every attempt is counted before it is checked (so twenty aliased sign-ins in one document are twenty
attempts), per key: an account identifier or a client address. Within a window, the first `free`
attempts pass; each further one must wait twice as long after the previous attempt as the one before
it (1 s, 2 s, 4 s …); the attempt that reaches `lock_after` locks the key for `lockout`. Refused attempts
are not counted, so waiting always helps.

Counters live in the database by default and in Redis when REDIS_URL is set; both are shared by every
server process. When the store cannot be reached, throttling fails closed: the attempt is refused with
`ServiceUnavailableError` (a retryable error for the client), never let through uncounted.
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.config import Settings
from app.db import Database
from app.outages import ServiceUnavailableError, unavailable
from models.base import utcnow
from models.security import ThrottleCounter

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 15 * 60
# What a Redis that is down, restarting or unreachable raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


@dataclass(frozen=True)
class Policy:
    name: str
    free: int
    lock_after: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Decision:
    allowed: bool
    attempts: int
    retry_after: float = 0.0
    locked_now: bool = False

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after))


@dataclass
class CounterState:
    attempts: int
    window_started_at: datetime
    last_attempt_at: datetime
    locked_until: datetime | None


def decide(policy: Policy, state: CounterState | None, now: datetime) -> tuple[Decision, CounterState]:
    """The pure rule: given the stored state, allow or refuse this attempt and return the new state."""
    if state is None or (
        now - state.window_started_at > policy.window and (state.locked_until is None or state.locked_until <= now)
    ):
        state = CounterState(attempts=0, window_started_at=now, last_attempt_at=now, locked_until=None)
    if state.locked_until is not None and state.locked_until > now:
        return Decision(False, state.attempts, (state.locked_until - now).total_seconds()), state
    if state.attempts >= policy.free:
        wait = min(2 ** (state.attempts - policy.free), MAX_BACKOFF_SECONDS)
        ready_at = state.last_attempt_at + timedelta(seconds=wait)
        if ready_at > now:
            return Decision(False, state.attempts, (ready_at - now).total_seconds()), state
    state.attempts += 1
    state.last_attempt_at = now
    locked_now = state.attempts >= policy.lock_after
    if locked_now:
        state.locked_until = now + policy.lockout
    return Decision(True, state.attempts, locked_now=locked_now), state


class ThrottleStore(Protocol):
    async def attempt(self, key: str, policy: Policy) -> Decision: ...

    async def reset(self, key: str) -> None: ...


class DatabaseThrottleStore:
    """Counters in the `throttle_counter` table, read and written under a row lock."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def attempt(self, key: str, policy: Policy) -> Decision:
        for _ in range(3):
            try:
                return await self._attempt_once(key, policy)
            except IntegrityError:
                continue  # a concurrent first attempt created the row: read it again
        return await self._attempt_once(key, policy)

    async def _attempt_once(self, key: str, policy: Policy) -> Decision:
        now = utcnow()
        async with self._db.unit_of_work() as session:
            # FOR UPDATE serialises concurrent attempts on PostgreSQL; SQLite write transactions are
            # already serial (BEGIN IMMEDIATE).
            found = await session.execute(select(ThrottleCounter).where(ThrottleCounter.key == key).with_for_update())  # type: ignore[arg-type]
            row = found.scalars().first()
            state = (
                CounterState(row.attempts, row.window_started_at, row.last_attempt_at, row.locked_until)
                if row is not None
                else None
            )
            decision, new_state = decide(policy, state, now)
            if row is None:
                row = ThrottleCounter(key=key)
            row.attempts = new_state.attempts
            row.window_started_at = new_state.window_started_at
            row.last_attempt_at = new_state.last_attempt_at
            row.locked_until = new_state.locked_until
            session.add(row)
        return decision

    async def reset(self, key: str) -> None:
        async with self._db.unit_of_work() as session:
            await session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == key))  # type: ignore[arg-type]


# Same rule as decide(), atomically inside Redis. Times are float seconds since the epoch.
_REDIS_ATTEMPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local free = tonumber(ARGV[2])
local lock_after = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local lockout = tonumber(ARGV[5])
local max_backoff = tonumber(ARGV[6])
local state = redis.call('HMGET', key, 'attempts', 'window', 'last', 'locked')
local attempts = tonumber(state[1])
local window_start = tonumber(state[2])
local last = tonumber(state[3])
local locked = tonumber(state[4]) or 0
if attempts == nil or (now - window_start > window and locked <= now) then
  attempts = 0
  window_start = now
  last = now
  locked = 0
end
if locked > now then
  return {0, attempts, tostring(locked - now), 0}
end
if attempts >= free then
  local wait = math.min(2 ^ (attempts - free), max_backoff)
  if last + wait > now then
    return {0, attempts, tostring(last + wait - now), 0}
  end
end
attempts = attempts + 1
last = now
local locked_now = 0
if attempts >= lock_after then
  locked = now + lockout
  locked_now = 1
end
redis.call('HSET', key, 'attempts', attempts, 'window', window_start, 'last', last, 'locked', locked)
redis.call('EXPIRE', key, math.ceil(math.max(window, lockout) + max_backoff))
return {1, attempts, '0', locked_now}
"""


class RedisThrottleStore:
    def __init__(self, client: Any, prefix: str = "customer-accounts:throttle:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_REDIS_ATTEMPT)

    async def attempt(self, key: str, policy: Policy) -> Decision:
        now = utcnow().timestamp()
        try:
            allowed, attempts, retry_after, locked_now = await self._script(
                keys=[self._prefix + key],
                args=[
                    now,
                    policy.free,
                    policy.lock_after,
                    policy.window.total_seconds(),
                    policy.lockout.total_seconds(),
                    MAX_BACKOFF_SECONDS,
                ],
            )
        except REDIS_DOWN as error:
            raise unavailable("redis", error) from error
        return Decision(bool(allowed), int(attempts), float(retry_after), bool(locked_now))

    async def reset(self, key: str) -> None:
        try:
            await self._client.delete(self._prefix + key)
        except REDIS_DOWN as error:
            raise unavailable("redis", error) from error


@dataclass(frozen=True)
class Policies:
    sign_in_per_account: Policy
    sign_in_per_address: Policy
    codes_per_account: Policy
    codes_per_address: Policy
    messages_per_account: Policy
    messages_per_address: Policy

    @classmethod
    def from_settings(cls, settings: Settings) -> "Policies":
        window = timedelta(minutes=settings.throttle_window_minutes)
        lockout = timedelta(minutes=settings.lockout_minutes)
        hour = timedelta(hours=1)
        return cls(
            sign_in_per_account=Policy(
                "sign-in/account", settings.sign_in_free_attempts, settings.sign_in_lock_after, window, lockout
            ),
            # Many people can share one address (offices, mobile carriers): no backoff, a high ceiling.
            sign_in_per_address=Policy(
                "sign-in/address", settings.address_lock_after, settings.address_lock_after, window, lockout
            ),
            codes_per_account=Policy(
                "codes/account", settings.code_free_attempts, settings.code_lock_after, hour, lockout
            ),
            codes_per_address=Policy(
                "codes/address", settings.address_lock_after, settings.address_lock_after, hour, lockout
            ),
            messages_per_account=Policy(
                "messages/account", settings.messages_per_hour, settings.messages_per_hour + 1, hour, hour
            ),
            messages_per_address=Policy(
                "messages/address",
                settings.messages_per_address_hour,
                settings.messages_per_address_hour + 1,
                hour,
                hour,
            ),
        )


class Throttle:
    def __init__(self, store: ThrottleStore, policies: Policies) -> None:
        self.store = store
        self.policies = policies

    async def attempt(self, policy: Policy, subject: str) -> Decision:
        return await self.store.attempt(f"{policy.name}:{subject}", policy)

    async def reset(self, policy: Policy, subject: str) -> None:
        """Forget the attempts after a success. Best effort: while the store is down the count stays, which
        errs on the safe side, and the success it follows is not undone."""
        try:
            await self.store.reset(f"{policy.name}:{subject}")
        except ServiceUnavailableError:
            logger.warning("throttle counter not reset: its store is unavailable", extra={"policy": policy.name})
