"""Outages of what the server depends on (the database, Redis) as one retryable error.

A connection that is refused, reset mid-query or not to be had from an exhausted pool is not a bug: the
client may try again shortly. Infrastructure raises `ServiceUnavailableError` for it; the API answers
`SERVICE_UNAVAILABLE` with `Retry-After` (HTTP 503 when no GraphQL operation ran) instead of a masked
internal error. Writes are never repeated behind the client's back: whoever gets this error decides.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: an outage of the database or Redis, or a saturated connection pool.
OUTAGE_RETRY_AFTER = 5
BUSY_RETRY_AFTER = 2
# While a service stays down every request fails the same way: log its cause once per this many seconds.
LOG_EVERY_SECONDS = 30.0

CLIENT_MESSAGE = "The service is briefly unavailable. Try again in {seconds} seconds."


class ServiceUnavailableError(Exception):
    """`service` ("database", "redis") cannot be reached or has no connection to spare right now."""

    def __init__(self, service: str, reason: str, retry_after: int = OUTAGE_RETRY_AFTER) -> None:
        super().__init__(CLIENT_MESSAGE.format(seconds=retry_after))
        self.service = service
        self.reason = reason
        self.retry_after = retry_after


_last_logged: dict[str, float] = {}
_suppressed: dict[str, int] = {}
_quiet: ContextVar[bool] = ContextVar("quiet_outages", default=False)


@contextmanager
def reported_by_caller() -> Iterator[None]:
    """Within the block the caller reports an outage itself (start-up's one line): log nothing here."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def describe(error: BaseException, limit: int = 300) -> str:
    """An error in a few words for one log line: its type and the first line of its message."""
    return f"{type(error).__name__}: {error}".splitlines()[0][:limit] or type(error).__name__


def unavailable(service: str, cause: BaseException, retry_after: int = OUTAGE_RETRY_AFTER) -> ServiceUnavailableError:
    """The error to raise (`raise unavailable(...) from cause`), logging the cause at most every so often."""
    reason = describe(cause)
    if _quiet.get():
        return ServiceUnavailableError(service, reason, retry_after)
    now = time.monotonic()
    last = _last_logged.get(service)
    if last is None or now - last >= LOG_EVERY_SECONDS:
        _last_logged[service] = now
        repeated = _suppressed.pop(service, 0)
        logger.warning(
            "%s unavailable: %s",
            service,
            reason,
            extra={"service": service, "repeated": repeated or None},
        )
    else:
        _suppressed[service] = _suppressed.get(service, 0) + 1
    return ServiceUnavailableError(service, reason, retry_after)
