"""Prometheus metrics: every metric the server exposes is defined here, with the helpers that record it.

The README's "Monitoring" section lists them. Label values are bounded: whatever a client chooses
(operation names, HTTP methods, paths) is mapped onto a small set before it becomes a label, so no
request can add series without limit.

One process (tests, `make run`, `serve` with one worker) keeps its values in memory. `serve --workers N`
runs prometheus_client's multiprocess mode: the command points PROMETHEUS_MULTIPROC_DIR at an empty
directory of its own before the workers start, each worker writes its values to files named by its pid
there, and a scrape, answered by whichever worker gets it, adds up the files of all of them (gauges of
what is open now, `livesum`, only over workers still alive).
"""

import glob
import os
import re
import shutil
import threading
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Operation names become labels only while there are fewer than this many in a process; later ones are "other".
MAX_OPERATION_NAMES = 200
MAX_OPERATION_NAME_LENGTH = 64
# Error codes are ours (enums), so they are few; past this many in a process, a code counts as OTHER.
MAX_ERROR_CODES = 500

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

GRAPHQL_DURATION = Histogram(
    "customer_accounts_graphql_operation_duration_seconds",
    "GraphQL operations (queries and mutations) from parsing to the result, by operation name and type.",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter(
    "customer_accounts_graphql_errors_total",
    "GraphQL errors answered, by extensions.code.",
    ["code"],
)
GRAPHQL_USER_ERRORS = Counter(
    "customer_accounts_graphql_user_errors_total",
    "userErrors answered in mutation payloads, by code.",
    ["code"],
)
HTTP_REQUESTS = Counter(
    "customer_accounts_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
SIGN_INS = Counter(
    "customer_accounts_sign_ins_total",
    "Sign-in attempts by outcome.",
    ["outcome"],
)
SUBSCRIPTIONS_OPEN = Gauge(
    "customer_accounts_graphql_subscriptions_open",
    "GraphQL subscriptions running now.",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "customer_accounts_db_pool_checked_out",
    "Database connections handed out by the pools now.",
    multiprocess_mode="livesum",
)
DB_POOL_CAPACITY = Gauge(
    "customer_accounts_db_pool_capacity",
    "The most connections the pools may hand out at once (pool size plus overflow).",
    multiprocess_mode="livesum",
)
WEBHOOK_DELIVERIES = Counter(
    "customer_accounts_webhook_deliveries_total",
    "Webhook delivery attempts by outcome.",
    ["outcome"],
)
WEBHOOK_DELIVERY_DURATION = Histogram(
    "customer_accounts_webhook_delivery_duration_seconds",
    "How long webhook delivery attempts took, whatever their outcome.",
    buckets=LATENCY_BUCKETS,
)

SignInOutcome = Literal[
    "success",
    "two_factor_required",
    "two_factor_success",
    "two_factor_failed",
    "wrong_password",
    "unknown_account",
    "account_not_active",
    "blocked",
]


class BoundedLabel:
    """Values that may become a label: those matching `pattern`, while fewer than `limit` were admitted in
    this process; everything else is `overflow`."""

    def __init__(self, pattern: str, limit: int, overflow: str) -> None:
        self._pattern = re.compile(pattern)
        self._limit = limit
        self._overflow = overflow
        self._admitted: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._admitted:
            return value
        if not self._pattern.fullmatch(value):
            return self._overflow
        with self._lock:
            if len(self._admitted) >= self._limit:
                return self._overflow
            self._admitted.add(value)
        return value

    def forget(self) -> None:
        """Admit names afresh (the tests, which share one process)."""
        with self._lock:
            self._admitted.clear()


operation_names = BoundedLabel(
    rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_OPERATION_NAME_LENGTH - 1}}}", MAX_OPERATION_NAMES, "other"
)
_error_codes = BoundedLabel(r"[A-Z][A-Z0-9_]{0,63}", MAX_ERROR_CODES, "OTHER")
_user_error_codes = BoundedLabel(r"[A-Z][A-Z0-9_]{0,63}", MAX_ERROR_CODES, "OTHER")
_outcomes = BoundedLabel(r"[a-z][a-z0-9_]{0,31}", 32, "other")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def operation_label(name: str | None, *, in_document: bool) -> str:
    """The label of an operation: "anonymous" without a name; its name when the document defines it, it is
    well formed and short, and the process has room for another; "other" otherwise."""
    if not name:
        return "anonymous"
    return operation_names(name) if in_document else "other"


def record_graphql_operation(operation: str, operation_type: str, seconds: float) -> None:
    GRAPHQL_DURATION.labels(operation, operation_type).observe(seconds)


def record_graphql_errors(codes: Iterable[object]) -> None:
    for code in codes:
        GRAPHQL_ERRORS.labels(_error_codes(code) if isinstance(code, str) else "OTHER").inc()


def record_user_errors(codes: Iterable[object]) -> None:
    for code in codes:
        value = getattr(code, "value", code)
        GRAPHQL_USER_ERRORS.labels(_user_error_codes(value) if isinstance(value, str) else "OTHER").inc()


def record_http_request(route: str, method: str, status: int) -> None:
    HTTP_REQUESTS.labels(route, method if method in _METHODS else "OTHER", str(status)).inc()


def record_sign_in(outcome: SignInOutcome) -> None:
    SIGN_INS.labels(outcome).inc()


def record_webhook_delivery(outcome: str, seconds: float) -> None:
    """One delivery attempt of a webhook: `outcome` such as "delivered", "failed" (the receiver answered
    an error), "timeout" or "unreachable"; `seconds` it took."""
    WEBHOOK_DELIVERIES.labels(_outcomes(outcome)).inc()
    WEBHOOK_DELIVERY_DURATION.observe(max(0.0, seconds))


def subscription_started() -> None:
    SUBSCRIPTIONS_OPEN.inc()


def subscription_ended() -> None:
    SUBSCRIPTIONS_OPEN.dec()


# --- Database pools -------------------------------------------------------------------------------------

_pool_capacities: "weakref.WeakKeyDictionary[Any, int]" = weakref.WeakKeyDictionary()


def _capacity(pool: Any) -> int:
    if isinstance(pool, QueuePool):
        overflow = getattr(pool, "_max_overflow", 0)
        return int(pool.size()) + max(0, int(overflow))
    return 1 if type(pool).__name__ == "StaticPool" else 0


def watch_pool(engine: AsyncEngine) -> None:
    """Count the connections `engine` hands out, and add its pool's capacity, until `unwatch_pool`."""
    sync_engine = engine.sync_engine
    if sync_engine in _pool_capacities:
        return
    _pool_capacities[sync_engine] = _capacity(sync_engine.pool)
    DB_POOL_CAPACITY.set(sum(_pool_capacities.values()))
    event.listen(sync_engine, "checkout", _checked_out)
    event.listen(sync_engine, "checkin", _checked_in)


def unwatch_pool(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine
    if _pool_capacities.pop(sync_engine, None) is not None:
        DB_POOL_CAPACITY.set(sum(_pool_capacities.values()))


def _checked_out(*_args: Any) -> None:
    DB_POOL_CHECKED_OUT.inc()


def _checked_in(*_args: Any) -> None:
    DB_POOL_CHECKED_OUT.dec()


# --- Several processes ----------------------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    """The directory this process writes its values to, when it runs in multiprocess mode."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        return None
    return os.environ.get(MULTIPROC_ENV)


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty directory for the workers of one `serve`: values of an earlier run must not add up."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


def remove_multiprocess_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes(path: str) -> None:
    """A worker that died without shutting down (killed, crashed) leaves its open subscriptions and
    connections behind in its gauge files: they no longer count once it is gone."""
    for name in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid = Path(name).stem.rpartition("_")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), path)  # type: ignore[no-untyped-call]


def process_exiting() -> None:
    """This worker stops: what it had open stops counting."""
    path = multiprocess_dir()
    if path:
        multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


class _Collector(Protocol):
    def collect(self) -> Iterable[Any]: ...


class _Scrape(Collector):
    """What one scrape reports: this process's registry (or every worker's files), plus `extra`."""

    def __init__(self, base: _Collector, extra: Iterable[_Collector]) -> None:
        self._base = base
        self._extra = list(extra)

    def collect(self) -> Iterator[Any]:
        yield from self._base.collect()
        for collector in self._extra:
            yield from collector.collect()


def scrape_source(extra: Iterable[_Collector] = (), path: str | None = None) -> Collector:
    """Every metric of the server: from the files of all workers when `path` (or this process's
    multiprocess directory) is given, from this process's memory otherwise."""
    path = path or multiprocess_dir()
    if path:
        forget_dead_processes(path)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        return _Scrape(registry, extra)
    return _Scrape(REGISTRY, extra)


def exposition(extra: Iterable[_Collector] = ()) -> bytes:
    return generate_latest(scrape_source(extra))
