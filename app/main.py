"""The ASGI application: /graphql, /healthz, /readyz, /files/… (signed downloads), /account/ (the portal)."""

import asyncio
import contextlib
import gc
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, cast

import orjson
from cross_web import HTTPException
from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

from app import metrics
from app.config import Settings
from app.downloads import download_routes
from app.guards import JsonErrorMiddleware, SizeLimitMiddleware, code_for_status, error_response
from app.http import (
    GRAPHQL_RESPONSE_JSON,
    RequestIdMiddleware,
    SecurityHeadersMiddleware,
    graphql_content_type,
    graphql_media_type,
)
from app.i18n import best_language
from app.jobs import (
    outbox_dispatcher,
    run_analytics_rollups,
    run_anomaly_scans,
    run_offer_expiry,
    run_payment_reconciliation,
    run_return_refund_retries,
)
from app.json_input import JsonTooDeepError, decode_json
from app.logs import configure_logging
from app.migrate import pending_migrations
from app.monitoring import HttpMetricsMiddleware, metrics_routes
from app.outages import BUSY_RETRY_AFTER, ServiceUnavailableError, describe, reported_by_caller
from app.outbox import EVENTS_ONLY, OutboxDispatcher
from app.portal import portal_routes
from app.principal import Principal
from app.runtime import RequestMeta, Runtime, redact_url, tune_collector
from app.security.network import TrustedProxies
from app.services.service_accounts import authenticate_api_key, is_api_key
from app.services.sessions import authenticate, authenticate_remembered
from app.services.webhook_dispatch import WebhookDispatcher
from app.startup import OneLineStartupFailure, StartupError, redis_problem, report_redis_down
from app.wakeups import announce_commits, wake_listener
from app.webhooks import webhook_routes
from schema.build import build_schema
from schema.context import Context

logger = logging.getLogger(__name__)


class MigrationsPendingError(StartupError):
    pass


@dataclass
class AppState:
    settings: Settings
    runtime: Runtime | None = None
    dispatcher: OutboxDispatcher | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def rt(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the application has not started (lifespan not run)")
        return self.runtime


def _bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class _BadInputError(HTTPException):
    """A request refused for what its input holds (BAD_USER_INPUT), not for how it was sent."""


class InvalidCredentialsError(Exception):
    """A bearer token or API key was sent and does not authenticate: the answer is 401, never anonymous."""

    MESSAGES = {
        "AUTH_TOKEN_INVALID": "Your session has ended or the token is not valid: sign in again.",
        "API_KEY_INVALID": "This API key is not valid.",
    }

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _is_request_error(result: ExecutionResult) -> bool:
    """No field was resolved: the document did not parse or validate, or the variables were refused."""
    if isinstance(result, PreExecutionError):
        return True
    return result.data is None and bool(result.errors) and all(not error.path for error in result.errors or [])


def _request_error_status(errors: Any) -> int:
    """400 for a request the client got wrong; 503 for an outage and 500 for a failure on our side, before
    execution."""
    codes = {error.get("extensions", {}).get("code") for error in errors or [] if isinstance(error, dict)}
    if "SERVICE_UNAVAILABLE" in codes:
        return 503
    return 500 if "INTERNAL_SERVER_ERROR" in codes else 400


# How long the background tasks get, all together, to finish their round once told to stop.
STOP_GRACE_SECONDS = 5.0


async def stop_background_tasks(tasks: list[asyncio.Task[Any]], grace_seconds: float) -> None:
    """Wait for the told-to-stop tasks together, within one grace period (not one per task, which added
    up); cancel those still running then and name them in the log, so a slow shutdown says what held it."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=grace_seconds)
    for task in pending:
        logger.warning(
            "background task did not stop within %s s: cancelled", grace_seconds, extra={"task": task.get_name()}
        )
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


GRAPHIQL_ASSETS = Path(__file__).parent / "static" / "graphiql"
GRAPHIQL_ASSETS_URL = "/graphiql-assets/"


class TransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws, refusing a subscribe message whose payload has the wrong shape as the protocol says
    (close 4400), as HTTP refuses such a body: `variables: [1]` reached the extensions and failed inside them
    (an INTERNAL_SERVER_ERROR), and a query that is no string completed silently."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not isinstance(payload.get("variables") or {}, dict)
            or not isinstance(payload.get("operationName") or "", str)
            or not isinstance(payload.get("extensions") or {}, dict)
        ):
            await self.handle_invalid_message("Invalid subscribe payload")
            return
        await super().handle_subscribe(message)


class GraphQLApp(GraphQL):
    graphql_transport_ws_handler_class = TransportWSHandler

    def __init__(self, state: AppState, **kwargs: Any) -> None:
        settings = state.settings
        super().__init__(
            build_schema(settings),
            graphql_ide=None if settings.is_production else "graphiql",
            allow_queries_via_get=False,
            # Only graphql-transport-ws: the legacy graphql-ws protocol has let clients skip connection_init.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            multipart_uploads_enabled=False,
            max_subscriptions_per_connection=settings.ws_max_operations_per_connection,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_seconds),
            allowed_origins=settings.cors_origins,
            **kwargs,
        )
        self._state = state
        # Open WebSocket connections per session, in this process.
        self._ws_connections: Counter[uuid.UUID] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send)
            else:
                await super().__call__(scope, receive, send)
        finally:
            session_id = scope.get("state", {}).pop("ws_session_id", None)
            if session_id is not None:
                self._ws_connections[session_id] -= 1
                if self._ws_connections[session_id] <= 0:
                    del self._ws_connections[session_id]
                    # Its last connection here is gone: nothing in this process needs it remembered.
                    self._state.rt.session_cache.forget_session(session_id)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """Authenticate a WebSocket in connection_init: {"Authorization": "Bearer <token>"} (or {"token": …})."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization") or params.get("token")
        if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "bearer")):
            # No credentials: an anonymous connection, which may run public operations only (every
            # subscription needs a signed-in caller). Credentials that do not authenticate close it (4403).
            return cast(UnsetType, UNSET)
        token = _bearer_token({"authorization": raw}) if str(raw).lower().startswith("bearer ") else str(raw)
        # Remembered from here on: the first event after many connections opened finds every session known.
        authenticated = await authenticate_remembered(self._state.rt, token or "")
        if authenticated is None:
            raise ConnectionRejectionError()
        session_id = authenticated.session.id
        if self._ws_connections[session_id] >= self._state.settings.ws_max_connections_per_session:
            raise ConnectionRejectionError()
        self._ws_connections[session_id] += 1
        context.request.scope.setdefault("state", {})["ws_session_id"] = session_id
        context.principal, context.auth_session = authenticated.principal, authenticated.session
        context.websocket_token = token
        context.reset_loaders()
        return cast(UnsetType, UNSET)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Strawberry answers a malformed request (bad JSON, wrong method or content type) in plain text; ours
        # are GraphQL errors like every other, with a code and the request id.
        request = Request(scope=scope, receive=receive)
        response: Response
        try:
            response = cast(Response, await self.run(request))
        except HTTPException as error:
            code = "BAD_USER_INPUT" if isinstance(error, _BadInputError) else code_for_status(error.status_code)
            allow = {"allow": "GET, POST"} if error.status_code == 405 else None
            response = error_response(request, error.status_code, code, error.reason, allow)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        return decode_json(data, self._state.settings.max_json_depth)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except JsonTooDeepError as error:
            raise _BadInputError(400, error.msg) from error
        except ValueError as error:  # JSONDecodeError, and bytes that are not UTF-8
            raise HTTPException(400, "The request body is not valid JSON.") from error

    def encode_json(self, data: object) -> str:
        # Answers are plain JSON already (scalars serialised); orjson writes a 45 kB order page ~10x faster.
        # Text, not bytes: WebSocket messages of graphql-transport-ws must be text frames.
        return orjson.dumps(data).decode()

    @property
    def graphql_ide_html(self) -> str:
        # GraphiQL's page loads its scripts from a CDN; serve our vendored copies so it works offline.
        return str(super().graphql_ide_html).replace("https://unpkg.com/", GRAPHIQL_ASSETS_URL)

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        try:
            return await super().run(request, context, root_value)
        except InvalidCredentialsError as refused:
            metrics.record_graphql_errors([refused.code])
            # RFC 6750: the client sent credentials that do not work; it must sign in again.
            return error_response(
                request,
                401,
                refused.code,
                refused.MESSAGES[refused.code],
                {"www-authenticate": 'Bearer error="invalid_token"'},
            )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = graphql_media_type(request.headers.get("accept"))
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if _is_request_error(result) and graphql_media_type(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON:
            # GraphQL over HTTP: a request that never executed has no `data` (and a 4xx/5xx status).
            response.pop("data", None)
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type:
            response.headers["content-type"] = graphql_content_type(sub_response.media_type)
        if isinstance(response_data, dict) and "data" not in response_data:
            response.status_code = _request_error_status(response_data.get("errors"))
        return response

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:  # type: ignore[override]
        rt = self._state.rt
        peer = request.client.host if request.client else None
        meta = RequestMeta(
            ip_address=rt.trusted_proxies.client_address(peer, request.headers.get("x-forwarded-for")),
            user_agent=(request.headers.get("user-agent") or "")[:512] or None,
            request_id=request.scope.get("state", {}).get("request_id"),
            language=best_language(request.headers.get("accept-language")),
        )
        principal = Principal.anonymous()
        auth_session = None
        # WebSockets authenticate in connection_init (browsers cannot set headers on them), never by header.
        token = _bearer_token(request.headers) if isinstance(request, Request) else None
        if token and is_api_key(token):
            service_account = await authenticate_api_key(rt, token)
            if service_account is None:
                raise InvalidCredentialsError("API_KEY_INVALID")
            principal = service_account
        elif token:
            authenticated = await authenticate(rt, token)
            if authenticated is None:
                raise InvalidCredentialsError("AUTH_TOKEN_INVALID")
            principal, auth_session = authenticated.principal, authenticated.session
        return Context(
            rt=rt, principal=principal, meta=meta, auth_session=auth_session, request=request, response=response
        )


async def _http_error_as_json(request: Request, error: Exception) -> Response:
    """The router's own refusals (unknown path, wrong method) in the same JSON shape as every other error."""
    assert isinstance(error, StarletteHTTPException)
    return error_response(
        request, error.status_code, code_for_status(error.status_code), str(error.detail), error.headers
    )


async def service_unavailable(connection: Request | WebSocket, error: Exception) -> Response | None:
    """The database or Redis failed before any GraphQL operation ran (e.g. authenticating the bearer token):
    a retryable 503 in the GraphQL error format, never a bare 500."""
    retry_after = error.retry_after if isinstance(error, ServiceUnavailableError) else 5
    logger.info("service unavailable", extra={"service": getattr(error, "service", None)})
    if isinstance(connection, WebSocket):
        await connection.close(code=1013, reason="Try again later")  # RFC 6455: try again later
        return None
    return error_response(
        connection, 503, "SERVICE_UNAVAILABLE", str(error), {"retry-after": str(retry_after)}, retryAfter=retry_after
    )


def create_app(settings: Settings | None = None, *, check_migrations: bool = True) -> Starlette:
    settings = (settings or Settings()).with_secrets()
    configure_logging(settings.log_level, settings.effective_log_format)
    state = AppState(settings=settings)

    async def refuse_to_start(rt: Runtime, error: StartupError) -> NoReturn:
        await rt.close()
        logger.error("%s", error)  # the one line an operator reads; the traceback is kept out of the log
        raise error

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = Runtime.create(settings)
        try:
            with reported_by_caller():
                behind = check_migrations and await pending_migrations(rt.db.engine)
        except ServiceUnavailableError as error:
            url = redact_url(settings.effective_database_url)
            await refuse_to_start(rt, StartupError(f"database unreachable at {url} ({error.reason}): not starting"))
        except DBAPIError as error:  # reached, but refused: wrong password, no such database, no permission
            url = redact_url(settings.effective_database_url)
            reason = describe(error.orig or error)
            await refuse_to_start(rt, StartupError(f"database at {url} refused us ({reason}): not starting"))
        if behind:
            await refuse_to_start(
                rt,
                MigrationsPendingError(
                    "the database is not migrated to the current version: run `customer-accounts migrate`"
                ),
            )
        state.runtime = rt
        # Redis may come later: start degraded (throttled operations refuse, /readyz says 503) and heal.
        redis_down = await redis_problem(rt)
        if redis_down:
            report_redis_down(rt, redis_down)
        await rt.broker.start(wait_seconds=0 if redis_down else settings.redis_timeout_seconds * 2)
        # Compute the dummy hash now, so the first unknown-account sign-in is not slower than the rest.
        await rt.hasher.verify_dummy("warm-up")
        # What start-up built (modules, the schema) lives as long as the process: keep it out of the
        # collector's way, so full collections under load walk only the requests' own objects.
        gc.collect()
        gc.freeze()
        tune_collector()
        stop = asyncio.Event()
        # The server delivers its outbox itself unless a separate worker does; even then it publishes
        # subscription events when there is no Redis, since only it can reach its own subscribers.
        in_process = settings.outbox_in_process
        events_only = not in_process and not rt.broker.reaches_other_processes
        if in_process or events_only:
            channels = EVENTS_ONLY if events_only else None
            dispatcher = outbox_dispatcher(rt, channels)
            rt.db.on_outbox_commit.append(dispatcher.wake.set)
            state.dispatcher = dispatcher
            state.tasks.append(asyncio.create_task(dispatcher.run(stop), name="outbox dispatcher"))
            listener = wake_listener(settings, rt.db, rt.redis) if events_only else None
            if listener is not None:  # events that the worker's own jobs add
                state.tasks.append(
                    asyncio.create_task(listener.run(dispatcher.wake, stop), name="outbox wake listener")
                )
        if not in_process:
            announce_commits(rt.db, rt.redis, settings.redis_prefix)  # wake the worker at once
        if settings.outbox_in_process:
            # The server is its own worker: it runs the scheduled jobs too.
            state.tasks.append(asyncio.create_task(run_anomaly_scans(rt, stop), name="anomaly scans"))
            state.tasks.append(asyncio.create_task(run_payment_reconciliation(rt, stop), name="payment reconciliation"))
            state.tasks.append(asyncio.create_task(run_offer_expiry(rt, stop), name="offer expiry"))
            state.tasks.append(asyncio.create_task(run_return_refund_retries(rt, stop), name="return refund retries"))
            # And delivers the webhooks, woken by every commit that records events.
            webhooks = WebhookDispatcher(rt)
            rt.db.on_outbox_commit.append(webhooks.wake.set)
            state.tasks.append(asyncio.create_task(webhooks.run(stop), name="webhook dispatcher"))
            state.tasks.append(asyncio.create_task(run_analytics_rollups(rt, stop), name="analytics rollups"))
        logger.info("customer-accounts started", extra={"environment": settings.environment})
        try:
            yield
        finally:
            stop.set()
            await stop_background_tasks(state.tasks, STOP_GRACE_SECONDS)
            await rt.close()
            metrics.process_exiting()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        rt = state.rt
        body = {"status": "ready", "database": "ok"}
        try:
            await rt.db.ping()
            if await pending_migrations(rt.db.engine):
                body["database"] = "migrations pending"
        except ServiceUnavailableError as error:  # logged where it was met
            body["database"] = "busy" if error.retry_after == BUSY_RETRY_AFTER else "unreachable"
        except Exception:
            logger.exception("readiness check failed")
            body["database"] = "unreachable"
        if rt.redis is not None:
            body["redis"] = "ok" if await redis_problem(rt) is None else "unreachable"
        if any(value != "ok" for key, value in body.items() if key != "status"):
            body["status"] = "unavailable"
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    graphql_app = GraphQLApp(state)
    routes: list[BaseRoute] = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *metrics_routes(settings, lambda: state.rt.db),
        *download_routes(),
        *webhook_routes(),
    ]
    if settings.portal_enabled:
        routes.extend(portal_routes(stripe=settings.effective_payment_gateway == "stripe"))
    if not settings.is_production:
        routes.append(Mount(GRAPHIQL_ASSETS_URL.rstrip("/"), StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(OneLineStartupFailure),
            Middleware(HttpMetricsMiddleware),
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware, trusted_proxies=TrustedProxies.parse(settings.trusted_proxies)),
            # CORS outside the guards, so a browser can read their 413 and 500 answers too.
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type", "x-request-id"],
                expose_headers=["x-request-id", "retry-after"],
                allow_credentials=False,  # bearer tokens, never cookies
                max_age=600,
            ),
            Middleware(JsonErrorMiddleware),
            Middleware(SizeLimitMiddleware, max_bytes=settings.max_request_bytes),
        ],
        lifespan=lifespan,
        exception_handlers={
            StarletteHTTPException: _http_error_as_json,
            ServiceUnavailableError: cast(Any, service_unavailable),
        },
    )
    app.state.app_state = state
    return app
