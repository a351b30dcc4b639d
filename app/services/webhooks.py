"""Administration of outbound webhook endpoints: register, change, rotate the signing secret, disable and
enable. Their deliveries, redelivery and test events are app/services/webhook_deliveries.py.

Administrators do this through the API; the operator through `customer-accounts webhooks` (`COMMAND_LINE`, no
actor). The signing secret (`whsec_` + base64 of 32 random bytes, the Standard Webhooks format) is returned
once, at creation and rotation, and stored encrypted. Delivery itself is app/services/webhook_dispatch.py.
"""

import asyncio
import base64
import enum
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import OUTBOX_WAKE_KEY
from app.integration.catalogue import CATALOGUE
from app.integration.network import (
    AddressPolicy,
    NameNotResolvedError,
    Resolver,
    ip_literal,
    system_resolver,
)
from app.pagination import Page, build_page, newest_first, page_size
from app.principal import Principal
from app.runtime import RequestMeta, Runtime
from app.services import audit, messages
from app.services.customer_groups import COMMAND_LINE, Actor
from app.services.errors import DomainError, ErrorDetail, NotAuthenticatedError, PermissionDeniedError
from app.services.validation import has_unsafe_characters, neutralize_text
from app.templates import MessageValue
from models.base import utcnow
from models.customer import Customer, CustomerRole, CustomerStatus, Role
from models.security import SecurityEventType
from models.webhook import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

__all__ = ["COMMAND_LINE", "Actor"]

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
ALL_EVENTS = "*"
MAX_URL = 2048
MAX_DESCRIPTION = 500
DEFAULT_OVERLAP_HOURS = 24
MAX_OVERLAP_HOURS = 7 * 24


class WebhookErrorCode(enum.Enum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    INVALID_STATUS = "INVALID_STATUS"
    INVALID_URL = "INVALID_URL"
    HTTPS_REQUIRED = "HTTPS_REQUIRED"
    ADDRESS_NOT_ALLOWED = "ADDRESS_NOT_ALLOWED"
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    NO_EVENT_TYPES = "NO_EVENT_TYPES"


class WebhookError(DomainError):
    @classmethod
    def one(cls, code: WebhookErrorCode, message: str, *field: str) -> "WebhookError":
        return cls(ErrorDetail(code, message, field or None))


UNSET: Final = object()


@dataclass(frozen=True)
class EndpointChanges:
    """What an update changes; a field left at UNSET keeps its value."""

    url: object = UNSET
    description: object = UNSET
    event_types: object = UNSET


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _secret_context(endpoint_id: uuid.UUID) -> str:
    return f"webhook-endpoint.secret:{endpoint_id}"


def _previous_secret_context(endpoint_id: uuid.UUID) -> str:
    return f"webhook-endpoint.previous-secret:{endpoint_id}"


def signing_secrets(rt: Runtime, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a request now: the current one, and the one it replaced while the overlap lasts."""
    found = [rt.keyring.decrypt(endpoint.secret_encrypted, context=_secret_context(endpoint.id))]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires is not None and expires > now:
        found.append(
            rt.keyring.decrypt(endpoint.previous_secret_encrypted, context=_previous_secret_context(endpoint.id))
        )
    return found


def shown_url(url: str) -> str:
    """The URL for the audit log and mail: without its query, where a receiver may keep a token."""
    parts = urlsplit(url)
    return parts._replace(query="…" if parts.query else "", fragment="").geturl()


def event_types_of(endpoint: WebhookEndpoint) -> list[str]:
    return endpoint.event_types.split()


def subscribed(event_types: str, event_type: str) -> bool:
    names = event_types.split()
    return ALL_EVENTS in names or event_type in names


def actor_id(actor: Actor) -> uuid.UUID | None:
    if not isinstance(actor, Principal):
        return None  # the operator at the command line
    if actor.customer_id is None:
        raise NotAuthenticatedError()
    if not actor.is_admin:
        raise PermissionDeniedError()
    return actor.customer_id


async def _check_url(
    rt: Runtime, value: str | None, errors: list[ErrorDetail], resolver: Resolver | None
) -> str | None:
    url = (value or "").strip()
    field = ("url",)
    if not url:
        errors.append(ErrorDetail(WebhookErrorCode.REQUIRED, "The URL is required.", field))
        return None
    if len(url) > MAX_URL:
        errors.append(ErrorDetail(WebhookErrorCode.TOO_LONG, f"Use at most {MAX_URL} characters.", field))
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        errors.append(ErrorDetail(WebhookErrorCode.INVALID_URL, "This is not a URL.", field))
        return None
    if parts.scheme not in ("http", "https") or not host or any(c.isspace() or ord(c) < 32 for c in url):
        errors.append(ErrorDetail(WebhookErrorCode.INVALID_URL, "Use an http(s) URL with a host.", field))
        return None
    if not url.isascii():
        errors.append(
            ErrorDetail(
                WebhookErrorCode.INVALID_URL,
                "Write the URL in ASCII: the host in its punycode form (xn--…), other characters percent-encoded.",
                field,
            )
        )
        return None
    if parts.username is not None or parts.password is not None or parts.fragment:
        errors.append(
            ErrorDetail(
                WebhookErrorCode.INVALID_URL,
                "Leave out user names, passwords and fragments: requests are signed instead.",
                field,
            )
        )
        return None
    if parts.scheme != "https" and rt.settings.is_production:
        errors.append(ErrorDetail(WebhookErrorCode.HTTPS_REQUIRED, "Use an https URL.", field))
        return None
    problem = await _address_problem(rt, host, resolver)
    if problem:
        errors.append(ErrorDetail(WebhookErrorCode.ADDRESS_NOT_ALLOWED, problem, field))
        return None
    return url


async def _address_problem(rt: Runtime, host: str, resolver: Resolver | None) -> str | None:
    """Why webhooks may not go to `host` now (a first check: each delivery checks the address it connects to)."""
    settings = rt.settings
    policy = AddressPolicy.of(settings.webhook_address_checks, settings.webhook_allowed_networks)
    if not policy.checks:
        return None
    literal = ip_literal(host)
    try:
        async with asyncio.timeout(settings.webhook_connect_timeout_seconds):
            addresses = [str(literal)] if literal is not None else await (resolver or system_resolver)(host)
    except (NameNotResolvedError, TimeoutError):
        return "The host name does not resolve."
    for address in addresses:
        why = policy.refusal(address)
        if why is not None:
            return f"Webhooks may not be sent to {address} ({why})."
    return None if addresses else "The host name does not resolve."


def _event_types(values: Sequence[str] | None, errors: list[ErrorDetail]) -> str | None:
    names = list(dict.fromkeys(value.strip() for value in values or () if value.strip()))
    field = ("eventTypes",)
    if not names:
        errors.append(
            ErrorDetail(
                WebhookErrorCode.NO_EVENT_TYPES,
                f'Choose at least one event type, or "{ALL_EVENTS}" for all of them.',
                field,
            )
        )
        return None
    if ALL_EVENTS in names:
        return ALL_EVENTS
    unknown = [name for name in names if name not in CATALOGUE]
    if unknown:
        errors.append(
            ErrorDetail(WebhookErrorCode.UNKNOWN_EVENT_TYPE, f"Unknown event types: {', '.join(unknown)}.", field)
        )
        return None
    return " ".join(sorted(names))


def _text(value: str | None, errors: list[ErrorDetail], field: str) -> str:
    """Free text (a description, a reason): trimmed, at most 500 characters, no control characters."""
    text = unicodedata.normalize("NFC", neutralize_text(value or "").strip())
    if len(text) > MAX_DESCRIPTION:
        errors.append(ErrorDetail(WebhookErrorCode.TOO_LONG, f"Use at most {MAX_DESCRIPTION} characters.", (field,)))
    elif any(unicodedata.category(c) == "Cc" for c in text) or has_unsafe_characters(text):
        errors.append(ErrorDetail(WebhookErrorCode.INVALID, "This contains control characters.", (field,)))
    return text


def _record(
    session: AsyncSession,
    meta: RequestMeta,
    by: uuid.UUID | None,
    endpoint: WebhookEndpoint,
    what: str,
    event_type: SecurityEventType = SecurityEventType.WEBHOOK_ENDPOINT_CHANGED,
) -> None:
    audit.record(session, meta, event_type, actor_id=by, detail=f"{what}: {endpoint.id} {shown_url(endpoint.url)}")


async def create_endpoint(
    rt: Runtime,
    actor: Actor,
    meta: RequestMeta,
    *,
    url: str | None,
    event_types: Sequence[str] | None,
    description: str | None = None,
    resolver: Resolver | None = None,
) -> EndpointWithSecret:
    by = actor_id(actor)
    errors: list[ErrorDetail] = []
    clean_url = await _check_url(rt, url, errors, resolver)
    types = _event_types(event_types, errors)
    text = _text(description, errors, "description")
    if errors:
        raise WebhookError(*errors)
    assert clean_url is not None
    assert types is not None
    endpoint_id = uuid.uuid4()
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        url=clean_url,
        description=text,
        event_types=types,
        secret_encrypted=rt.keyring.encrypt(secret, context=_secret_context(endpoint_id)),
    )
    async with rt.db.unit_of_work() as session:
        session.add(endpoint)
        _record(session, meta, by, endpoint, "created")
    return EndpointWithSecret(endpoint, secret)


async def _load(session: AsyncSession, endpoint_id: uuid.UUID | None, field: str = "endpointId") -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id, with_for_update=True) if endpoint_id else None
    if endpoint is None:
        raise WebhookError.one(WebhookErrorCode.NOT_FOUND, "No such webhook endpoint.", field)
    return endpoint


async def update_endpoint(
    rt: Runtime,
    actor: Actor,
    meta: RequestMeta,
    endpoint_id: uuid.UUID | None,
    changes: EndpointChanges,
    *,
    resolver: Resolver | None = None,
) -> WebhookEndpoint:
    """New event types apply to events recorded from now on; what is queued already is delivered as it is."""
    by = actor_id(actor)
    errors: list[ErrorDetail] = []
    url = types = description = None
    if changes.url is not UNSET:
        url = await _check_url(rt, changes.url if isinstance(changes.url, str) else None, errors, resolver)
    if changes.event_types is not UNSET:
        types = _event_types(changes.event_types, errors)  # type: ignore[arg-type]
    if changes.description is not UNSET:
        description = _text(
            changes.description if isinstance(changes.description, str) else None, errors, "description"
        )
    if errors:
        raise WebhookError(*errors)
    async with rt.db.unit_of_work() as session:
        endpoint = await _load(session, endpoint_id)
        endpoint.url = url if url is not None else endpoint.url
        endpoint.event_types = types if types is not None else endpoint.event_types
        endpoint.description = description if description is not None else endpoint.description
        endpoint.updated_at = utcnow()
        session.add(endpoint)
        _record(session, meta, by, endpoint, "updated")
    return endpoint


async def rotate_secret(
    rt: Runtime,
    actor: Actor,
    meta: RequestMeta,
    endpoint_id: uuid.UUID | None,
    overlap_hours: float = DEFAULT_OVERLAP_HOURS,
) -> EndpointWithSecret:
    """A new secret signs at once; the one it replaces signs too for `overlap_hours` (0: not at all), so the
    receiver can switch without refusing a delivery. A rotation during an overlap drops the older secret."""
    by = actor_id(actor)
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise WebhookError.one(
            WebhookErrorCode.INVALID, f"The overlap is 0 to {MAX_OVERLAP_HOURS} hours.", "overlapHours"
        )
    secret = generate_secret()
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        endpoint = await _load(session, endpoint_id)
        old = rt.keyring.decrypt(endpoint.secret_encrypted, context=_secret_context(endpoint.id))
        endpoint.secret_encrypted = rt.keyring.encrypt(secret, context=_secret_context(endpoint.id))
        if overlap_hours > 0:
            endpoint.previous_secret_encrypted = rt.keyring.encrypt(old, context=_previous_secret_context(endpoint.id))
            endpoint.previous_secret_expires_at = now + timedelta(hours=overlap_hours)
        else:
            endpoint.previous_secret_encrypted = None
            endpoint.previous_secret_expires_at = None
        endpoint.secret_rotated_at = now
        endpoint.updated_at = now
        session.add(endpoint)
        _record(session, meta, by, endpoint, "secret rotated", SecurityEventType.WEBHOOK_SECRET_ROTATED)
    return EndpointWithSecret(endpoint, secret)


async def disable_endpoint(
    rt: Runtime, actor: Actor, meta: RequestMeta, endpoint_id: uuid.UUID | None, reason: str | None = None
) -> WebhookEndpoint:
    """Nothing is sent to a disabled endpoint, and events recorded meanwhile are not queued for it; what was
    queued already waits for it to be enabled again."""
    by = actor_id(actor)
    errors: list[ErrorDetail] = []
    why = _text(reason, errors, "reason") or "disabled by an administrator"
    if errors:
        raise WebhookError(*errors)
    async with rt.db.unit_of_work() as session:
        endpoint = await _load(session, endpoint_id)
        if not endpoint.enabled:
            raise WebhookError.one(WebhookErrorCode.INVALID_STATUS, "The endpoint is disabled already.", "endpointId")
        now = utcnow()
        endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = False, now, why
        endpoint.updated_at = now
        session.add(endpoint)
        _record(session, meta, by, endpoint, f"disabled ({why})")
    return endpoint


def _resume(endpoint_id: uuid.UUID, now: datetime, horizon: timedelta) -> Update:
    """Pending deliveries of the endpoint become due now, with a new retry horizon."""
    return (
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint_id,
            col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING,
        )
        .values(next_attempt_at=now, retry_until=now + horizon)
    )


def retry_horizon(rt: Runtime) -> timedelta:
    return timedelta(hours=rt.settings.webhook_retry_horizon_hours)


async def enable_endpoint(
    rt: Runtime, actor: Actor, meta: RequestMeta, endpoint_id: uuid.UUID | None
) -> WebhookEndpoint:
    """Delivery resumes at once with what is pending (each with a new retry horizon)."""
    by = actor_id(actor)
    async with rt.db.unit_of_work() as session:
        endpoint = await _load(session, endpoint_id)
        if endpoint.enabled:
            raise WebhookError.one(WebhookErrorCode.INVALID_STATUS, "The endpoint is enabled already.", "endpointId")
        now = utcnow()
        endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
        endpoint.consecutive_failures, endpoint.failing_since = 0, None
        endpoint.updated_at = now
        session.add(endpoint)
        await session.execute(_resume(endpoint.id, now, retry_horizon(rt)))
        _record(session, meta, by, endpoint, "enabled")
        session.info[OUTBOX_WAKE_KEY] = True  # the dispatchers start on what is pending
    return endpoint


def parse_id(value: str) -> uuid.UUID | None:
    """An id as the command line takes it (the UUID)."""
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


async def list_endpoints(rt: Runtime, actor: Actor, *, first: int | None, after: str | None) -> Page[WebhookEndpoint]:
    actor_id(actor)
    limit = page_size(first)
    statement = newest_first(
        select(WebhookEndpoint), col(WebhookEndpoint.created_at), col(WebhookEndpoint.id), after, limit
    )
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


async def notify_admins_of_disabling(session: AsyncSession, rt: Runtime, endpoint: WebhookEndpoint) -> None:
    """Mail every active administrator that `endpoint` was disabled (in this unit of work: with the change)."""
    admins = await session.execute(
        select(Customer)
        .join(CustomerRole, col(CustomerRole.customer_id) == col(Customer.id))
        .where(col(CustomerRole.role) == Role.ADMIN, col(Customer.status) == CustomerStatus.ACTIVE)
    )
    for admin in admins.scalars():
        values: dict[str, MessageValue] = {
            "name": admin.first_name or "",
            "url": shown_url(endpoint.url),
            "failures": str(endpoint.consecutive_failures),
            "since": endpoint.failing_since or utcnow(),
        }
        await messages.email(session, rt, "webhook_endpoint_disabled", admin.email, values, customer_id=admin.id)
