"""ASGI middleware (request ids, security headers) and GraphQL-over-HTTP content negotiation."""

import re
import uuid
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id_var
from app.security.network import TrustedProxies

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

RawHeaders = list[tuple[bytes, bytes]]


def with_defaults(headers: Iterable[tuple[bytes, bytes]], defaults: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    """`headers` plus each default whose name is not there yet (names compared case-insensitively): a route
    that sets a header itself keeps its value, and no header is ever sent twice."""
    result = list(headers)
    present = {name.lower() for name, _ in result}
    for name, value in defaults:
        if name.lower() not in present:
            result.append((name, value))
            present.add(name.lower())
    return result


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key.lower() == name), b"")


def _quality(params: list[str]) -> float:
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def graphql_content_type(media_type: str) -> str:
    """The Content-Type header for a GraphQL answer of `media_type`."""
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else media_type


def graphql_media_type(accept: str | None) -> str:
    """The media type of a GraphQL answer, chosen by the client's Accept header (GraphQL over HTTP).

    Each of the two types gets the q of the most specific range that matches it (RFC 9110); the higher
    q wins, a tie goes to the type named first, and application/json is the answer when neither is named
    or acceptable (a missing Accept, `*/*`, `text/plain`): the answer clients have always had."""
    ranges: dict[str, tuple[float, int]] = {}
    for position, entry in enumerate((accept or "").split(",")):
        media_range, *params = entry.split(";")
        media_range = media_range.strip().lower()
        if media_range and media_range not in ranges:
            ranges[media_range] = (_quality(params), position)
    unnamed = (0.0, len(ranges) + 1)

    def preference(media_type: str) -> tuple[float, int]:
        for media_range in (media_type, "application/*", "*/*"):
            if media_range in ranges:
                q, position = ranges[media_range]
                # A wildcard names no type: it ranks after every named one of the same q.
                return q, position if media_range == media_type else len(ranges)
        return unnamed

    json_q, json_position = preference(JSON)
    graphql_q, graphql_position = preference(GRAPHQL_RESPONSE_JSON)
    if graphql_q > json_q or (graphql_q == json_q > 0 and graphql_position < json_position):
        return GRAPHQL_RESPONSE_JSON
    return JSON


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID or makes one; echoes it and puts it on every log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Ours wins over any id a route might have set: it is the one on the log lines.
                headers = [
                    (name, value) for name, value in message.get("headers") or [] if name.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            # A WebSocket has no response headers to add the id to: its messages go out unwrapped.
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            request_id_var.reset(token)


class SecurityHeadersMiddleware:
    """No sniffing, no framing, no referrer, no caching; HSTS when the request came over TLS; a locked-down
    CSP for everything but HTML pages: the portal's page sends its own (app/portal.py), and the
    (development-only) GraphiQL page needs its inline script.

    Each header is a default: a route that sets one itself (a download's Cache-Control) keeps it, and none
    is sent twice. Nothing is cached unless its route says so: answers to signed-in callers are private."""

    def __init__(self, app: ASGIApp, trusted_proxies: TrustedProxies) -> None:
        self.app = app
        self.trusted_proxies = trusted_proxies

    def _over_tls(self, scope: Scope) -> bool:
        if scope.get("scheme") in ("https", "wss"):
            return True
        headers = dict(scope.get("headers") or [])
        client = scope.get("client")
        peer = client[0] if client else None
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[-1].strip().lower()
        return proto == "https" and peer is not None and self.trusted_proxies.trusts(peer)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = self._over_tls(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                defaults = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                if not _header(headers, b"content-type").lower().startswith(b"text/html"):
                    defaults.append((b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"))
                if tls:
                    defaults.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
                message["headers"] = with_defaults(headers, defaults)
            await send(message)

        await self.app(scope, receive, send_with_headers)
