"""Process-wide services built once at start-up (in the app lifespan or a CLI command)."""

import functools
import gc
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.db import Database
from app.events import Broker, broker_for
from app.payments.gateway import PaymentGateway
from app.payments.registry import gateway_for
from app.security.crypto import Keyring
from app.security.fields import FieldCipher
from app.security.network import TrustedProxies
from app.security.passwords import PasswordHasher
from app.security.session_cache import SESSIONS_TOPIC, SessionCache, announce
from app.throttle import DatabaseThrottleStore, Policies, RedisThrottleStore, Throttle, ThrottleStore


def redis_from_settings(settings: Settings) -> Any:
    """A Redis client that fails fast while Redis is down and heals by itself when it returns.

    A pooled connection that died meanwhile is replaced once (a ConnectionError is retried on a new
    connection); idle ones are pinged before reuse; a timeout is not retried, so a hung Redis costs a
    request at most `redis_timeout_seconds` per command. A throttle count whose reply was lost on a dying
    connection may be counted twice on the retry: that errs towards throttling, never towards a free guess.
    """
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialWithJitterBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    return Redis.from_url(
        settings.redis_url or "",
        socket_connect_timeout=settings.redis_timeout_seconds,
        socket_timeout=settings.redis_timeout_seconds,
        health_check_interval=settings.redis_health_check_seconds,
        retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 1, supported_errors=(RedisConnectionError,)),
    )


_SECRET_QUERY_KEYS = frozenset({"password", "pass", "passwd", "auth", "token", "secret", "sslpassword", "sslkey"})


def redact_url(url: str) -> str:
    """A connection URL fit for a log line: scheme, host, port and path only; whatever stands before the last
    `@` (user and password, whatever they contain) and any secret-looking query value is masked."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    try:
        parts = urlsplit(url)
        credentials, at, host = parts.netloc.rpartition("@")
        netloc = f"***@{host}" if at and credentials else host
        query = urlencode(
            [(key, "***" if key.lower() in _SECRET_QUERY_KEYS else value) for key, value in parse_qsl(parts.query)],
            safe="*",
        )
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    except ValueError:
        return "<unparsable URL>"


@dataclass(frozen=True)
class RequestMeta:
    """What we know about the request that asks for a change: recorded with sessions and events."""

    ip_address: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    # The best language of Accept-Language we have messages in: for mail to an address without settings.
    language: str | None = None


# The collector's thresholds for a server (CPython's defaults: 700, 10, 10). With ten thousand WebSocket
# subscribers the heap holds millions of long-lived objects, and at the defaults each event's short-lived
# objects (alive for the second a fan-out takes) reach the old generation by the hundred thousand: a full
# collection, about 2 s at that size (bench/fanout.py), followed every few events and held every
# subscriber up. With a young generation of 20,000 they die young; full collections come with connections
# opening and closing, not between events. The middle generation is kept at 20 young collections: at 50
# its collections grew to 0.4 s and the order page's p99 under load with them (bench/RESULTS.md).
COLLECTOR_THRESHOLDS = (20_000, 20, 100)


def tune_collector() -> None:
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    keyring: Keyring
    hasher: PasswordHasher
    trusted_proxies: TrustedProxies
    throttle: Throttle
    fields: FieldCipher
    broker: Broker
    # One per process: the sandbox keeps its idempotency records in memory. None: card payments are off.
    gateway: PaymentGateway | None = None
    redis: Any = None
    # WebSocket subscribers' sessions between events; forgotten when an account's sessions change.
    session_cache: SessionCache[Any] = field(default_factory=SessionCache)

    def __post_init__(self) -> None:
        self.broker.hub.listen(SESSIONS_TOPIC, self.session_cache.on_message)
        self.broker.hub.on_gap(self.session_cache.clear)
        self.db.on_sessions_changed.append(
            functools.partial(announce, cache=self.session_cache, broker=self.broker, db=self.db, keyring=self.keyring)
        )

    @classmethod
    def create(cls, settings: Settings, db: Database | None = None, *, worker: bool = False) -> "Runtime":
        """`worker`: for `customer-accounts worker`, which needs a smaller connection pool than a server."""
        if settings.encryption_keys is None:
            raise ValueError("settings need secrets: call Settings.with_secrets() first")
        db = db or Database.from_settings(settings, worker=worker)
        redis_client = None
        store: ThrottleStore
        if settings.redis_url:
            redis_client = redis_from_settings(settings)
            store = RedisThrottleStore(redis_client, prefix=f"{settings.redis_prefix}throttle:")
        else:
            store = DatabaseThrottleStore(db)
        keyring = Keyring.parse(settings.encryption_keys.get_secret_value())
        return cls(
            settings=settings,
            db=db,
            throttle=Throttle(store, Policies.from_settings(settings)),
            fields=FieldCipher(keyring, settings.secret_key_bytes),
            redis=redis_client,
            broker=broker_for(redis_client, settings.redis_prefix),
            gateway=(None if settings.effective_payment_gateway == "none" else gateway_for(settings)),
            keyring=keyring,
            hasher=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
                concurrency=settings.password_hash_concurrency,
                queue_limit=settings.password_hash_queue,
            ),
            trusted_proxies=TrustedProxies.parse(settings.trusted_proxies),
        )

    async def close(self) -> None:
        closing = getattr(self.gateway, "aclose", None)  # a gateway holding an HTTP connection pool
        if closing is not None:
            await closing()
        await self.broker.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()
