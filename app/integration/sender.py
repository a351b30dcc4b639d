"""One webhook request: signed the Standard Webhooks way, sent with httpcore through the guarded backend.

Timeouts for connecting, for each read and write, and for the whole attempt; redirects are never followed
(httpcore does not follow them; a 3xx is a failed attempt); no more of the answer is read than
WEBHOOK_MAX_RESPONSE_BYTES. Only a 2xx is a success.
"""

import asyncio
import json
import math
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpcore
from standardwebhooks.webhooks import Webhook

from app.config import Settings
from app.integration.network import (
    AddressNotAllowedError,
    AddressPolicy,
    GuardedBackend,
    NameNotResolvedError,
    Resolver,
    system_resolver,
)
from models.base import utcnow
from models.webhook import WebhookErrorKind

EXCERPT_BYTES = 1024
USER_AGENT = b"customer-accounts-webhooks/1"


@dataclass(frozen=True)
class AttemptOutcome:
    started_at: datetime
    latency_ms: int
    status_code: int | None = None
    error_kind: WebhookErrorKind | None = None
    error_detail: str | None = None
    response_excerpt: str | None = None
    response_truncated: bool = False

    @property
    def succeeded(self) -> bool:
        return self.error_kind is None


def encode_body(body: dict[str, Any]) -> str:
    """The exact text that is signed and sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def signature_header(secrets: Sequence[str], webhook_id: str, at: datetime, body: str) -> str:
    """`v1,<base64>` per secret, space-separated (the current secret first)."""
    return " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in secrets)


def _excerpt(data: bytes) -> str | None:
    if not data:
        return None
    return data[:EXCERPT_BYTES].decode("utf-8", "replace")


def _failure(error: BaseException) -> tuple[WebhookErrorKind, str]:
    detail = f"{type(error).__name__}: {error}"[:500]
    if isinstance(error, AddressNotAllowedError):
        return WebhookErrorKind.ADDRESS_NOT_ALLOWED, str(error)[:500]
    if isinstance(error, NameNotResolvedError):
        return WebhookErrorKind.DNS_FAILED, str(error)[:500]
    if isinstance(error, TimeoutError | httpcore.TimeoutException):
        return WebhookErrorKind.TIMEOUT, detail
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return WebhookErrorKind.TLS_FAILED, detail
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, httpcore.ProtocolError | httpcore.UnsupportedProtocol):
        return WebhookErrorKind.INVALID_RESPONSE, detail
    return WebhookErrorKind.CONNECTION_FAILED, detail


class WebhookSender:
    def __init__(self, settings: Settings, resolver: Resolver | None = None) -> None:
        self._settings = settings
        policy = AddressPolicy.of(settings.webhook_address_checks, settings.webhook_allowed_networks)
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=GuardedBackend(policy, resolver or system_resolver),
            max_connections=max(settings.webhook_concurrency, 1) * 2,
            max_keepalive_connections=settings.webhook_concurrency,
            keepalive_expiry=30.0,
            retries=0,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def send(self, url: str, webhook_id: str, body: str, secrets: Sequence[str]) -> AttemptOutcome:
        """POST `body` to `url`, signed with each of `secrets`; never raises for what the receiver does."""
        settings = self._settings
        now = utcnow()
        headers = [
            (b"content-type", b"application/json"),
            (b"user-agent", USER_AGENT),
            (b"webhook-id", webhook_id.encode()),
            (b"webhook-timestamp", str(math.floor(now.timestamp())).encode()),
            (b"webhook-signature", signature_header(secrets, webhook_id, now, body).encode()),
        ]
        timeouts = {
            "connect": settings.webhook_connect_timeout_seconds,
            "read": settings.webhook_read_timeout_seconds,
            "write": settings.webhook_read_timeout_seconds,
            "pool": settings.webhook_connect_timeout_seconds,
        }
        started = time.monotonic()

        def outcome(**values: Any) -> AttemptOutcome:
            latency = round((time.monotonic() - started) * 1000)
            return AttemptOutcome(started_at=now, latency_ms=latency, **values)

        status: int | None = None
        received = b""
        truncated = False
        try:
            async with asyncio.timeout(settings.webhook_total_timeout_seconds):
                async with self._pool.stream(
                    "POST", url, headers=headers, content=body.encode(), extensions={"timeout": timeouts}
                ) as response:
                    status = response.status
                    async for chunk in response.aiter_stream():
                        room = settings.webhook_max_response_bytes - len(received)
                        received += chunk[:room]
                        if len(chunk) > room:
                            truncated = True  # the rest is never read: the connection is dropped
                            break
        except Exception as error:
            kind, detail = _failure(error)
            # An answer that came but broke off keeps its status in the log.
            return outcome(
                status_code=status, error_kind=kind, error_detail=detail, response_excerpt=_excerpt(received)
            )
        assert status is not None
        excerpt = _excerpt(received)
        truncated = truncated or len(received) > EXCERPT_BYTES
        if 200 <= status < 300:
            return outcome(status_code=status, response_excerpt=excerpt, response_truncated=truncated)
        if 300 <= status < 400:
            location = next((v for k, v in response.headers if k.lower() == b"location"), b"").decode("latin-1")
            return outcome(
                status_code=status,
                error_kind=WebhookErrorKind.REDIRECT,
                error_detail=f"redirect not followed: {location}"[:500],
                response_excerpt=excerpt,
                response_truncated=truncated,
            )
        return outcome(
            status_code=status,
            error_kind=WebhookErrorKind.HTTP_STATUS,
            error_detail=f"HTTP {status}",
            response_excerpt=excerpt,
            response_truncated=truncated,
        )
