"""Webhook deliveries as administrators handle them: the deliveries and attempt log of an endpoint, redelivery
(one delivery, or every event of an endpoint's types since a time, each under its own webhook-id again), and
the test event (a dry run). Queueing deliveries is shared with the dispatcher's fan-out
(app/services/webhook_dispatch.py)."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.db import OUTBOX_WAKE_KEY
from app.integration.catalogue import CATALOGUE
from app.integration.network import Resolver
from app.integration.sender import WebhookSender, encode_body
from app.pagination import Page, build_page, newest_first, page_size
from app.runtime import Runtime
from app.services.webhooks import (
    ALL_EVENTS,
    Actor,
    WebhookError,
    WebhookErrorCode,
    actor_id,
    event_types_of,
    retry_horizon,
    signing_secrets,
)
from models.base import utcnow
from models.integration_event import IntegrationEvent
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

TEST_ID_PREFIX = "test_"
REDELIVER_BATCH = 500
# Rows per INSERT (9 parameters each, far below the drivers' limits).
QUEUE_CHUNK = 500


async def list_deliveries(
    rt: Runtime,
    actor: Actor,
    endpoint_id: uuid.UUID | None,
    *,
    status: WebhookDeliveryStatus | None = None,
    first: int | None,
    after: str | None,
) -> Page[WebhookDelivery]:
    """An endpoint's deliveries, newest first."""
    actor_id(actor)
    if endpoint_id is None:
        raise WebhookError.one(WebhookErrorCode.NOT_FOUND, "No such webhook endpoint.", "endpointId")
    limit = page_size(first)
    statement = select(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if status is not None:
        statement = statement.where(col(WebhookDelivery.status) == status)
    statement = newest_first(statement, col(WebhookDelivery.created_at), col(WebhookDelivery.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.created_at, row.id), after)


async def list_attempts(
    rt: Runtime,
    actor: Actor,
    *,
    endpoint_id: uuid.UUID | None = None,
    delivery_id: uuid.UUID | None = None,
    first: int | None,
    after: str | None,
) -> Page[WebhookAttempt]:
    """The attempt log of an endpoint (tests included) or of one delivery, newest first."""
    actor_id(actor)
    limit = page_size(first)
    statement = select(WebhookAttempt)
    if endpoint_id is not None:
        statement = statement.where(col(WebhookAttempt.endpoint_id) == endpoint_id)
    if delivery_id is not None:
        statement = statement.where(col(WebhookAttempt.delivery_id) == delivery_id)
    statement = newest_first(statement, col(WebhookAttempt.started_at), col(WebhookAttempt.id), after, limit)
    async with rt.db.read() as session:
        rows = list((await session.execute(statement)).scalars())
    return build_page(rows, limit, lambda row: (row.started_at, row.id), after)


async def redeliver(rt: Runtime, actor: Actor, delivery_id: uuid.UUID | None) -> WebhookDelivery:
    """Send one delivery again, soon, with the same webhook-id (whatever its status; a disabled endpoint's
    waits until it is enabled)."""
    actor_id(actor)
    now = utcnow()
    async with rt.db.unit_of_work() as session:
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True) if delivery_id else None
        if delivery is None:
            raise WebhookError.one(WebhookErrorCode.NOT_FOUND, "No such delivery.", "deliveryId")
        delivery.status = WebhookDeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.retry_until = now + retry_horizon(rt)
        session.add(delivery)
        session.info[OUTBOX_WAKE_KEY] = True
    return delivery


def _insert_ignoring_duplicates(rt: Runtime, rows: list[dict[str, object]]) -> Insert:
    """One INSERT of delivery rows; a row whose (event, endpoint) is queued already is skipped, so two
    dispatchers (or a redelivery) queueing at once never queue an event twice for one endpoint."""
    if rt.db.is_postgresql:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return (
            pg_insert(WebhookDelivery).values(rows).on_conflict_do_nothing(index_elements=["event_id", "endpoint_id"])
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (
        sqlite_insert(WebhookDelivery).values(rows).on_conflict_do_nothing(index_elements=["event_id", "endpoint_id"])
    )


async def queue_deliveries(
    session: AsyncSession,
    rt: Runtime,
    pairs: Sequence[tuple[uuid.UUID, uuid.UUID, str]],
    now: datetime,
) -> None:
    """Queue (event id, endpoint id, event type) deliveries, due now, skipping those queued already."""
    retry_until = now + retry_horizon(rt)
    rows: list[dict[str, object]] = [
        {
            "id": uuid.uuid4(),
            "event_id": event_id,
            "endpoint_id": endpoint_id,
            "event_type": event_type,
            "status": WebhookDeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "retry_until": retry_until,
            "created_at": now,
        }
        for event_id, endpoint_id, event_type in pairs
    ]
    for start in range(0, len(rows), QUEUE_CHUNK):
        await session.execute(_insert_ignoring_duplicates(rt, rows[start : start + QUEUE_CHUNK]))


async def redeliver_since(rt: Runtime, actor: Actor, endpoint_id: uuid.UUID | None, since: datetime) -> int:
    """Queue again every event of the endpoint's types recorded since `since` (also those recorded before the
    endpoint existed, or while it was disabled), each with its own webhook-id; returns how many."""
    actor_id(actor)
    if since.tzinfo is None:
        raise WebhookError.one(WebhookErrorCode.INVALID, "Give the time with its zone, e.g. …T00:00:00Z.", "since")
    now = utcnow()
    if since > now:
        raise WebhookError.one(WebhookErrorCode.INVALID, "The time is in the future.", "since")
    async with rt.db.read() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
    if endpoint is None:
        raise WebhookError.one(WebhookErrorCode.NOT_FOUND, "No such webhook endpoint.", "endpointId")
    types = event_types_of(endpoint)
    count = 0
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        statement = select(col(IntegrationEvent.id), col(IntegrationEvent.type), col(IntegrationEvent.created_at))
        statement = statement.where(col(IntegrationEvent.created_at) >= since)
        if ALL_EVENTS not in types:
            statement = statement.where(col(IntegrationEvent.type).in_(types))
        if after is not None:
            statement = statement.where(
                (col(IntegrationEvent.created_at) > after[0])
                | ((col(IntegrationEvent.created_at) == after[0]) & (col(IntegrationEvent.id) > after[1]))
            )
        statement = statement.order_by(col(IntegrationEvent.created_at), col(IntegrationEvent.id)).limit(
            REDELIVER_BATCH
        )
        async with rt.db.read() as session:
            events = (await session.execute(statement)).all()
        if not events:
            return count
        async with rt.db.unit_of_work() as session:
            await queue_deliveries(session, rt, [(event_id, endpoint.id, kind) for event_id, kind, _ in events], now)
            await session.execute(
                update(WebhookDelivery)
                .where(
                    col(WebhookDelivery.endpoint_id) == endpoint.id,
                    col(WebhookDelivery.event_id).in_([event_id for event_id, _, _ in events]),
                )
                .values(status=WebhookDeliveryStatus.PENDING, next_attempt_at=now, retry_until=now + retry_horizon(rt))
            )
            session.info[OUTBOX_WAKE_KEY] = True
        count += len(events)
        after = (events[-1][2], events[-1][0])


def sample_body(event_type: str, at: datetime) -> str:
    """A test event: the catalogue's sample as `data`, marked `"test": true`."""
    spec = CATALOGUE[event_type]
    timestamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return encode_body(
        {"type": event_type, "version": spec.version, "timestamp": timestamp, "test": True, "data": spec.sample}
    )


async def send_test_event(
    rt: Runtime,
    actor: Actor,
    endpoint_id: uuid.UUID | None,
    event_type: str | None,
    *,
    resolver: Resolver | None = None,
) -> WebhookAttempt:
    """Send the catalogue's sample of `event_type` now (webhook-id `test_…`, `"test": true` in the body) and
    return the attempt, which the log keeps. Disabled endpoints can be tested; the failure count is untouched."""
    actor_id(actor)
    name = (event_type or "").strip()
    if name not in CATALOGUE:
        raise WebhookError.one(WebhookErrorCode.UNKNOWN_EVENT_TYPE, "Unknown event type.", "eventType")
    async with rt.db.read() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id) if endpoint_id else None
    if endpoint is None:
        raise WebhookError.one(WebhookErrorCode.NOT_FOUND, "No such webhook endpoint.", "endpointId")
    webhook_id = TEST_ID_PREFIX + uuid.uuid4().hex
    now = utcnow()
    sender = WebhookSender(rt.settings, resolver)
    try:
        outcome = await sender.send(
            endpoint.url, webhook_id, sample_body(name, now), signing_secrets(rt, endpoint, now)
        )
    finally:
        await sender.aclose()
    attempt = WebhookAttempt(
        endpoint_id=endpoint.id,
        webhook_id=webhook_id,
        event_type=name,
        test=True,
        started_at=outcome.started_at,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error_kind=outcome.error_kind,
        error_detail=outcome.error_detail,
        response_excerpt=outcome.response_excerpt,
        response_truncated=outcome.response_truncated,
    )
    async with rt.db.unit_of_work() as session:
        session.add(attempt)
    return attempt
