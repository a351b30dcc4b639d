"""ASGI guards that hold for every route: a JSON answer for any unexpected failure, and a cap on the size of
request bodies and WebSocket messages.

Errors use the GraphQL error shape on every route, so a client needs one parser: `{"errors": [{"message",
"extensions": {"code", "requestId"}}]}`.
"""

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http import graphql_content_type, graphql_media_type

logger = logging.getLogger("app.http")

# WebSocket close code for "message too big" (RFC 6455 section 7.4.1).
WS_MESSAGE_TOO_BIG = 1009
# WebSocket close code for "internal error".
WS_INTERNAL_ERROR = 1011


def error_body(code: str, message: str, request_id: str | None, **extensions: Any) -> bytes:
    details: dict[str, Any] = {"code": code, **extensions}
    if request_id:
        details["requestId"] = request_id
    return orjson.dumps({"errors": [{"message": message, "extensions": details}]})


_CODES_BY_STATUS = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def code_for_status(status: int) -> str:
    """The error code of a request refused by HTTP status alone (router, content negotiation)."""
    return _CODES_BY_STATUS.get(status, "BAD_REQUEST")


def error_response(
    connection: HTTPConnection,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """An error answer in the one shape every route uses, typed as the client's Accept asks (GraphQL over HTTP)."""
    media_type = graphql_media_type(connection.headers.get("accept"))
    return Response(
        error_body(code, message, request_id_of(connection.scope), **extensions),
        status_code=status,
        headers={**(headers or {}), "content-type": graphql_content_type(media_type), "cache-control": "no-store"},
    )


def request_id_of(scope: Scope) -> str | None:
    state: Mapping[str, Any] = scope.get("state") or {}
    value = state.get("request_id")
    return value if isinstance(value, str) else None


async def send_json_error(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class JsonErrorMiddleware:
    """Whatever fails below (a route, a middleware, the GraphQL context, a download) is answered as a JSON
    INTERNAL_SERVER_ERROR with the request id, and logged once with that id; never a text/plain 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = closed = False

        async def watch(message: Message) -> None:
            nonlocal started, closed
            started = started or message["type"] in ("http.response.start", "websocket.accept")
            closed = closed or message["type"] == "websocket.close"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            request_id = request_id_of(scope)
            logger.exception("unexpected error on %s", scope.get("path", "?"), extra={"request_id": request_id})
            if scope["type"] == "websocket":
                if not closed:
                    with contextlib.suppress(Exception):  # the peer may be gone already
                        await send({"type": "websocket.close", "code": WS_INTERNAL_ERROR, "reason": "Internal error"})
                return
            if started:
                return  # the answer is under way: the server ends the connection
            body = error_body("INTERNAL_SERVER_ERROR", "Internal server error", request_id)
            await send_json_error(send, 500, body)


class _BodyTooLargeError(Exception):
    pass


class SizeLimitMiddleware:
    """Refuses an HTTP body over `max_bytes` with 413 (at once when Content-Length says so, otherwise as soon as
    the stream passes the limit, never reading it whole), and closes a WebSocket whose message passes it (1009)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, scope: Scope) -> bytes:
        return error_body(
            "REQUEST_TOO_LARGE",
            f"The request body is larger than {self.max_bytes} bytes.",
            request_id_of(scope),
            maxBytes=self.max_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await send_json_error(send, 413, self._too_large(scope), [(b"connection", b"close")])
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watch)
        except _BodyTooLargeError:
            if not started:
                await send_json_error(send, 413, self._too_large(scope), [(b"connection", b"close")])

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive":
                size = len(message.get("bytes") or b"") + len((message.get("text") or "").encode())
                if size > self.max_bytes:
                    await send({"type": "websocket.close", "code": WS_MESSAGE_TOO_BIG, "reason": "Message too big"})
                    return {"type": "websocket.disconnect", "code": WS_MESSAGE_TOO_BIG}
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
