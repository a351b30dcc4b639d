"""Serving the metrics of app/metrics.py: `GET /metrics` behind a bearer token, the HTTP request counter,
the outbox backlog read at scrape time, and METRICS_PORT (a port of the metrics' own, in `serve`'s main
process).

`GET /metrics` answers 404 while METRICS_TOKEN is unset, and 401 to anything but `Authorization: Bearer
<METRICS_TOKEN>` (compared in constant time). METRICS_PORT asks for the same token when one is set.
"""

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlmodel import col
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.config import Settings
from app.db import Database, create_engine, is_sqlite
from app.guards import error_response
from models.integration_event import IntegrationEvent
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.webhook import WebhookDelivery, WebhookDeliveryStatus

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
# A scrape reads the outbox at most this often per process; scrapes in between report what it read then.
BACKLOG_CACHE_SECONDS = 10.0
# The queues of the backlog: each outbox channel, and integration events not yet fanned out to webhooks.
QUEUES = (*(channel.value.lower() for channel in OutboxChannel), "integration_event", "webhook_delivery")


def token_matches(authorization: str | None, expected: SecretStr) -> bool:
    """`Authorization: Bearer <token>` names the expected token. Digests are compared, in constant time, so
    neither the token nor its length shows in how long a refusal takes."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    given_digest = hashlib.sha256(given.strip().encode()).digest()
    expected_digest = hashlib.sha256(expected.get_secret_value().encode()).digest()
    return hmac.compare_digest(given_digest, expected_digest)


# --- The outbox backlog --------------------------------------------------------------------------------

Backlog = dict[str, tuple[int, datetime | None]]


async def read_backlog(connection: AsyncSession | AsyncConnection) -> Backlog:
    """Pending rows and the oldest one's creation, per queue: three indexed queries."""
    found: Backlog = {}
    messages = await connection.execute(
        select(col(OutboxMessage.channel), func.count(), func.min(col(OutboxMessage.created_at)))
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .group_by(col(OutboxMessage.channel))
    )
    for channel, count, oldest in messages:
        found[OutboxChannel(channel).value.lower()] = (int(count), oldest)
    events = await connection.execute(
        select(func.count(), func.min(col(IntegrationEvent.created_at))).where(
            col(IntegrationEvent.fanned_out_at).is_(None)
        )
    )
    count, oldest = events.one()
    found["integration_event"] = (int(count), oldest)
    deliveries = await connection.execute(
        select(func.count(), func.min(col(WebhookDelivery.created_at))).where(
            col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING
        )
    )
    count, oldest = deliveries.one()
    found["webhook_delivery"] = (int(count), oldest)
    return found


class BacklogCollector:
    """Reports the backlog last read; `refresh` reads it again when that was over BACKLOG_CACHE_SECONDS ago.
    When the database cannot answer, the backlog is left out of the scrape (the rest is still answered)."""

    def __init__(self, cache_seconds: float = BACKLOG_CACHE_SECONDS) -> None:
        self._cache_seconds = cache_seconds
        self._backlog: Backlog | None = None
        self._read_at = -cache_seconds

    def fresh(self) -> bool:
        return time.monotonic() - self._read_at < self._cache_seconds

    def store(self, backlog: Backlog | None) -> None:
        self._backlog, self._read_at = backlog, time.monotonic()

    def collect(self) -> Iterator[Metric]:
        backlog = self._backlog
        if backlog is None:
            return
        pending = GaugeMetricFamily(
            "customer_accounts_outbox_pending",
            "Outbox rows waiting for delivery (integration_event: events not yet fanned out to webhooks).",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "customer_accounts_outbox_oldest_pending_age_seconds",
            "Age of the oldest row waiting in each queue (0 when none waits).",
            labels=["queue"],
        )
        now = time.time()
        for queue in QUEUES:
            count, oldest = backlog.get(queue, (0, None))
            pending.add_metric([queue], count)
            age.add_metric([queue], max(0.0, now - oldest.timestamp()) if oldest is not None else 0.0)
        yield pending
        yield age


async def _read_or_none(read: Callable[[], Any]) -> Backlog | None:
    try:
        backlog: Backlog = await read()
        return backlog
    except Exception as error:  # an outage is logged where it was met; a scrape must still be answered
        logger.info("outbox backlog not read for /metrics: %s", type(error).__name__)
        return None


class AppBacklog(BacklogCollector):
    """The backlog read through the app's database, on its event loop; one read at a time."""

    def __init__(self, database: Callable[[], Database]) -> None:
        super().__init__()
        self._database = database
        self._lock: asyncio.Lock | None = None

    async def refresh(self) -> None:
        if self.fresh():
            return
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self.fresh():
                return

            async def read() -> Backlog:
                async with self._database().read() as session:
                    return await read_backlog(session)

            self.store(await _read_or_none(read))


# --- GET /metrics on the API's port --------------------------------------------------------------------


def metrics_routes(settings: Settings, database: Callable[[], Database]) -> list[BaseRoute]:
    backlog = AppBacklog(database)

    async def metrics_endpoint(request: Request) -> Response:
        if settings.metrics_token is None:
            raise StarletteHTTPException(404)  # answered like any path that does not exist
        if not token_matches(request.headers.get("authorization"), settings.metrics_token):
            return error_response(
                request,
                401,
                "UNAUTHENTICATED",
                "Send the metrics token as a bearer token.",
                {"www-authenticate": 'Bearer realm="metrics"'},
            )
        await backlog.refresh()
        encoder, content_type = choose_encoder(request.headers.get("accept") or "")
        return Response(encoder(metrics.scrape_source([backlog])), headers={"content-type": content_type})

    return [Route(METRICS_PATH, metrics_endpoint, methods=["GET"])]


class HttpMetricsMiddleware:
    """Counts every HTTP response by route template (never the raw path), method and status, before its
    last part leaves (a client that has its answer finds it counted). A request that no route matched
    counts as "unmatched"; one that failed before answering as 500; one whose client left first as 499."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        counted = False

        def count(answered: int) -> None:
            nonlocal counted
            if not counted:
                counted = True
                route = getattr(scope.get("route"), "path", None)
                metrics.record_http_request(route or "unmatched", str(scope.get("method", "")), answered)

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                count(status)
            await send(message)

        try:
            await self.app(scope, receive, send_counted)
        except BaseException:
            count(status or 500)
            raise
        count(status or 499)


# --- `serve`: several workers, and METRICS_PORT --------------------------------------------------------


class _SilentHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _IPv6ThreadingWSGIServer(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


class PortBacklog(BacklogCollector):
    """The backlog read for METRICS_PORT from `serve`'s main process: its own event loop (a thread) and one
    connection at most, opened only while a read runs."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self._url = settings.effective_database_url
        self._engine: AsyncEngine | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="metrics-backlog", daemon=True)
        self._thread.start()
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            if self.fresh():
                return
            future = asyncio.run_coroutine_threadsafe(_read_or_none(self._read), self._loop)
            try:
                self.store(future.result(timeout=30))
            except TimeoutError:
                future.cancel()
                self.store(None)

    async def _read(self) -> Backlog:
        if self._engine is None:
            options = {} if is_sqlite(self._url) else {"pool_size": 1, "max_overflow": 0}
            self._engine = create_engine(self._url, **options)
        async with self._engine.connect() as connection:
            return await read_backlog(connection)

    def close(self) -> None:
        if self._engine is not None:
            asyncio.run_coroutine_threadsafe(self._engine.dispose(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


def _metrics_wsgi_app(settings: Settings, backlog: PortBacklog, path: str | None) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != METRICS_PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"not found\n"]
        token = settings.metrics_token
        if token is not None and not token_matches(environ.get("HTTP_AUTHORIZATION"), token):
            headers = [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Bearer realm="metrics"')]
            start_response("401 Unauthorized", headers)
            return [b"send the metrics token as a bearer token\n"]
        backlog.refresh()
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT") or "")
        body = encoder(metrics.scrape_source([backlog], path=path))
        start_response("200 OK", [("Content-Type", content_type), ("Cache-Control", "no-store")])
        return [body]

    return app


@contextlib.contextmanager
def metrics_port(settings: Settings, path: str | None) -> Iterator[None]:
    """Serve the metrics on METRICS_HOST:METRICS_PORT while the block runs (nothing without METRICS_PORT)."""
    if settings.metrics_port is None:
        yield
        return
    backlog = PortBacklog(settings)
    server_class = _IPv6ThreadingWSGIServer if ":" in settings.metrics_host else _ThreadingWSGIServer
    server = make_server(
        settings.metrics_host,
        settings.metrics_port,
        _metrics_wsgi_app(settings, backlog, path),
        server_class=server_class,
        handler_class=_SilentHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="metrics-port", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        backlog.close()


@contextlib.contextmanager
def serving_metrics(settings: Settings, workers: int) -> Iterator[None]:
    """Around `serve`: with several workers, an empty multiprocess directory for this run (PROMETHEUS_MULTIPROC_DIR
    if set, else a temporary one, removed afterwards), set in the environment before the workers start; and
    METRICS_PORT, when set."""
    made: Path | None = None
    path: str | None = None
    if workers > 1:
        given = os.environ.get(metrics.MULTIPROC_ENV)
        directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="customer-accounts-metrics-"))
        made = None if given else directory
        metrics.prepare_multiprocess_dir(directory)
        os.environ[metrics.MULTIPROC_ENV] = path = str(directory)
    else:
        path = metrics.multiprocess_dir()
    try:
        with metrics_port(settings, path):
            yield
    finally:
        if made is not None:
            metrics.remove_multiprocess_dir(made)
