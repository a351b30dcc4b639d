"""The webhook dispatcher: fans business events out to the endpoints that want them and delivers them.

Run by `customer-accounts worker`, and by the server when it is its own worker (OUTBOX_IN_PROCESS). Each
round it
1. fans out new integration events: one delivery per event and enabled endpoint subscribed to its type
   (unique per event and endpoint, so dispatchers fanning out at once queue nothing twice), and marks the
   events fanned out;
2. claims due deliveries with a conditional update and a lease (as the outbox does), so any number of
   dispatchers can run at once and only one sends a delivery at a time, and POSTs each, signed, through
   app/integration/sender.py;
3. records the attempt in `attempt_finished`, the one place where an attempt's outcome is known: the attempt
   log, the delivery's state (a 2xx ends it; a failure is retried after a random wait of up to
   min(WEBHOOK_RETRY_MAX_SECONDS, WEBHOOK_RETRY_BASE_SECONDS * 2^attempts) until its horizon), and the
   endpoint's run of failures, which disables it (and mails the administrators) once every attempt has failed
   for WEBHOOK_DISABLE_AFTER_HOURS and WEBHOOK_DISABLE_AFTER_FAILURES times in a row.
Every attempt of an event sends the event's id as the webhook-id.
"""

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import metrics
from app.config import Settings
from app.integration.events import payload
from app.integration.network import Resolver
from app.integration.sender import AttemptOutcome, WebhookSender, encode_body
from app.outages import ServiceUnavailableError
from app.runtime import RequestMeta, Runtime
from app.services import audit
from app.services.webhook_deliveries import queue_deliveries
from app.services.webhooks import notify_admins_of_disabling, shown_url, signing_secrets, subscribed
from models.base import utcnow
from models.integration_event import IntegrationEvent
from models.security import SecurityEventType
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint

logger = logging.getLogger(__name__)

FAN_OUT_BATCH = 200
CLAIM_BATCH = 50
# A lease outlives the longest attempt by this much, so no other dispatcher sends while one still may.
LEASE_MARGIN = timedelta(seconds=60)
PRUNE_EVERY = timedelta(hours=1)
_FAILING_SINCE_TYPE = WebhookEndpoint.__table__.c.failing_since.type  # type: ignore[attr-defined]


def retry_delay(settings: Settings, attempts: int) -> float:
    """Seconds before the next attempt after `attempts` attempts: exponential backoff with full jitter."""
    ceiling = min(settings.webhook_retry_max_seconds, settings.webhook_retry_base_seconds * 2 ** min(attempts, 40))
    return random.uniform(0, ceiling)  # noqa: S311  (jitter, not a secret)


@dataclass(frozen=True)
class Claimed:
    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: IntegrationEvent
    lease: datetime  # our locked_until: the delivery is ours while it is still this


class WebhookDispatcher:
    def __init__(self, rt: Runtime, *, resolver: Resolver | None = None) -> None:
        self._rt = rt
        self._settings = rt.settings
        self._sender = WebhookSender(rt.settings, resolver)
        self._slots = asyncio.Semaphore(rt.settings.webhook_concurrency)
        self._pruned_at: datetime | None = None
        self.wake = asyncio.Event()

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self._settings.webhook_total_timeout_seconds) + LEASE_MARGIN

    async def aclose(self) -> None:
        await self._sender.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        logger.info("webhook dispatcher started")
        try:
            while not stop.is_set():
                self.wake.clear()  # before the round: a wake-up during it starts another
                wait = self._settings.outbox_poll_seconds
                try:
                    await self._prune_now_and_then()
                    if await self.fan_out() + await self.deliver_due():
                        continue
                    wait = await self._seconds_until_due()
                except ServiceUnavailableError:
                    pass  # logged where it was met; the next round tries again
                except Exception:
                    logger.exception("webhook dispatch round failed")
                waits = [asyncio.create_task(self.wake.wait()), asyncio.create_task(stop.wait())]
                await asyncio.wait(waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                for task in waits:
                    task.cancel()
        finally:
            await self.aclose()
            logger.info("webhook dispatcher stopped")

    async def fan_out(self) -> int:
        """Queue the deliveries of events not fanned out yet; returns how many events it handled."""
        db = self._rt.db
        now = utcnow()
        async with db.read() as session:  # idle rounds take no write lock (SQLite has one writer)
            pending = await session.scalar(
                select(col(IntegrationEvent.id)).where(col(IntegrationEvent.fanned_out_at).is_(None)).limit(1)
            )
        if pending is None:
            return 0
        async with db.unit_of_work() as session:
            statement = (
                select(col(IntegrationEvent.id), col(IntegrationEvent.type), col(IntegrationEvent.created_at))
                .where(col(IntegrationEvent.fanned_out_at).is_(None))
                .order_by(col(IntegrationEvent.created_at))
                .limit(FAN_OUT_BATCH)
            )
            if db.is_postgresql:  # dispatchers at once take different events (SQLite: one writer at a time)
                statement = statement.with_for_update(skip_locked=True)
            events = (await session.execute(statement)).all()
            if not events:
                return 0
            endpoints = (
                await session.execute(
                    select(
                        col(WebhookEndpoint.id), col(WebhookEndpoint.event_types), col(WebhookEndpoint.created_at)
                    ).where(col(WebhookEndpoint.enabled).is_(True))
                )
            ).all()
            # An endpoint gets the events recorded since it was created, whenever this round runs (older ones
            # only when asked for: redeliverWebhookEvents).
            pairs = [
                (event_id, endpoint_id, event_type)
                for event_id, event_type, recorded_at in events
                for endpoint_id, types, created_at in endpoints
                if subscribed(types, event_type) and created_at <= recorded_at
            ]
            await queue_deliveries(session, self._rt, pairs, now)
            await session.execute(
                update(IntegrationEvent)
                .where(
                    col(IntegrationEvent.id).in_([event_id for event_id, _, _ in events]),
                    col(IntegrationEvent.fanned_out_at).is_(None),
                )
                .values(fanned_out_at=now)
            )
        return len(events)

    def _due(self, now: datetime) -> list[sa.ColumnElement[bool]]:
        return [
            col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
            or_(col(WebhookDelivery.locked_until).is_(None), col(WebhookDelivery.locked_until) < now),
        ]

    async def deliver_due(self) -> int:
        """Send what is due (WEBHOOK_CONCURRENCY at once); returns how many attempts were made."""
        now = utcnow()
        async with self._rt.db.read() as session:
            rows = await session.execute(
                select(col(WebhookDelivery.id))
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .where(*self._due(now), col(WebhookEndpoint.enabled).is_(True))
                .order_by(col(WebhookDelivery.next_attempt_at))
                .limit(CLAIM_BATCH)
            )
            candidates = list(rows.scalars())
        results = await asyncio.gather(
            *(self._deliver(delivery_id) for delivery_id in candidates), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, ServiceUnavailableError):
                logger.error("webhook delivery failed unexpectedly", exc_info=result)
        return sum(result for result in results if isinstance(result, int))

    async def _seconds_until_due(self) -> float:
        """How long to sleep: until the next retry is due, at most OUTBOX_POLL_SECONDS (the fallback for
        wake-ups lost, as for the outbox)."""
        poll = self._settings.outbox_poll_seconds
        async with self._rt.db.read() as session:
            due = await session.scalar(
                select(func.min(col(WebhookDelivery.next_attempt_at)))
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
                .where(col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING, col(WebhookEndpoint.enabled))
            )
        if due is None:
            return poll
        return min(poll, max((due - utcnow()).total_seconds(), 0.01))

    async def _deliver(self, delivery_id: uuid.UUID) -> int:
        async with self._slots:
            claimed = await self._claim(delivery_id)
            if claimed is None:
                return 0
            now = utcnow()
            body = encode_body(payload(claimed.event))
            secrets = signing_secrets(self._rt, claimed.endpoint, now)
            outcome = await self._sender.send(claimed.endpoint.url, str(claimed.event.id), body, secrets)
            await self.attempt_finished(claimed, outcome)
            return 1

    async def _claim(self, delivery_id: uuid.UUID) -> Claimed | None:
        now = utcnow()
        lease = now + self.lease
        async with self._rt.db.unit_of_work() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery_id, *self._due(now))
                .values(locked_until=lease)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None  # another dispatcher has it, or it was sent meanwhile
            delivery = await session.get(WebhookDelivery, delivery_id)
            assert delivery is not None
            endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
            event = await session.get(IntegrationEvent, delivery.event_id)
            assert endpoint is not None
            assert event is not None
            if not endpoint.enabled:  # disabled since the candidates were read
                delivery.locked_until = None
                session.add(delivery)
                return None
        return Claimed(delivery, endpoint, event, lease)

    async def attempt_finished(self, claimed: Claimed, outcome: AttemptOutcome) -> None:
        """The one place where an attempt's outcome is known (hook delivery counters here): it is logged, the
        delivery ends or waits for its next attempt, and the endpoint's run of failures ends or grows."""
        settings = self._settings
        delivery, endpoint = claimed.delivery, claimed.endpoint
        failure = outcome.error_kind
        metrics.record_webhook_delivery(
            "delivered" if failure is None else failure.value.lower(), outcome.latency_ms / 1000
        )
        now = utcnow()
        attempts = delivery.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "locked_until": None,
            "last_attempt_at": outcome.started_at,
            "last_status_code": outcome.status_code,
            "last_error_kind": outcome.error_kind,
        }
        if outcome.succeeded:
            values.update(status=WebhookDeliveryStatus.SUCCEEDED, delivered_at=now)
        elif now >= delivery.retry_until:
            values.update(status=WebhookDeliveryStatus.FAILED)
        else:
            values.update(next_attempt_at=now + timedelta(seconds=retry_delay(settings, attempts)))
        async with self._rt.db.unit_of_work() as session:
            session.add(
                WebhookAttempt(
                    endpoint_id=endpoint.id,
                    delivery_id=delivery.id,
                    webhook_id=str(delivery.event_id),
                    event_type=delivery.event_type,
                    started_at=outcome.started_at,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    error_kind=outcome.error_kind,
                    error_detail=outcome.error_detail,
                    response_excerpt=outcome.response_excerpt,
                    response_truncated=outcome.response_truncated,
                )
            )
            result = await session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery.id, col(WebhookDelivery.locked_until) == claimed.lease)
                .values(values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                logger.warning(
                    "webhook delivery lease lost before its outcome", extra={"delivery_id": str(delivery.id)}
                )
            if outcome.succeeded:
                await session.execute(
                    update(WebhookEndpoint)
                    .where(col(WebhookEndpoint.id) == endpoint.id)
                    .values(consecutive_failures=0, failing_since=None)
                )
            else:
                since = sa.literal(outcome.started_at, type_=_FAILING_SINCE_TYPE)
                await session.execute(
                    update(WebhookEndpoint)
                    .where(col(WebhookEndpoint.id) == endpoint.id)
                    .values(
                        consecutive_failures=col(WebhookEndpoint.consecutive_failures) + 1,
                        failing_since=func.coalesce(col(WebhookEndpoint.failing_since), since),
                    )
                )
                await self._disable_if_failing(session, endpoint.id, now)
        extra = {
            "delivery_id": str(delivery.id),
            "endpoint_id": str(endpoint.id),
            "webhook_id": str(delivery.event_id),
            "event_type": delivery.event_type,
            "attempts": attempts,
            "status_code": outcome.status_code,
            "latency_ms": outcome.latency_ms,
        }
        if outcome.succeeded:
            logger.info("webhook delivered", extra=extra)
        else:
            kind = outcome.error_kind.value if outcome.error_kind else None
            logger.warning("webhook attempt failed", extra={**extra, "error_kind": kind, "error": outcome.error_detail})

    async def _disable_if_failing(self, session: AsyncSession, endpoint_id: uuid.UUID, now: datetime) -> None:
        settings = self._settings
        endpoint = (
            await session.execute(
                select(WebhookEndpoint)
                .where(col(WebhookEndpoint.id) == endpoint_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        since = endpoint.failing_since
        if not endpoint.enabled or since is None:
            return
        if endpoint.consecutive_failures < settings.webhook_disable_after_failures:
            return
        if now - since < timedelta(hours=settings.webhook_disable_after_hours):
            return
        reason = f"every attempt failed since {since:%Y-%m-%d %H:%M} UTC ({endpoint.consecutive_failures} in a row)"
        result = await session.execute(
            update(WebhookEndpoint)
            .where(col(WebhookEndpoint.id) == endpoint_id, col(WebhookEndpoint.enabled).is_(True))
            .values(enabled=False, disabled_at=now, disabled_reason=reason, updated_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return  # disabled meanwhile, by someone else
        endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = False, now, reason
        audit.record(
            session,
            RequestMeta(),
            SecurityEventType.WEBHOOK_ENDPOINT_CHANGED,
            detail=f"disabled automatically ({reason}): {endpoint.id} {shown_url(endpoint.url)}",
        )
        await notify_admins_of_disabling(session, self._rt, endpoint)
        logger.warning("webhook endpoint disabled", extra={"endpoint_id": str(endpoint_id), "reason": reason})

    async def _prune_now_and_then(self) -> None:
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        await self.prune(now - timedelta(days=self._settings.webhook_attempt_retention_days))
        await self.prune_events(now - timedelta(days=self._settings.integration_event_retention_days))

    async def prune(self, before: datetime) -> int:
        """Forget attempts logged before `before`."""
        async with self._rt.db.unit_of_work() as session:
            result = await session.execute(delete(WebhookAttempt).where(col(WebhookAttempt.started_at) < before))
        return int(getattr(result, "rowcount", 0) or 0)

    async def prune_events(self, before: datetime) -> int:
        """Forget events recorded before `before` (their data names customers, some since deleted) once they
        are fanned out and none of their deliveries waits or still has attempts in the log."""
        old_events = select(col(IntegrationEvent.id)).where(col(IntegrationEvent.created_at) < before)
        logged = select(col(WebhookAttempt.delivery_id)).where(col(WebhookAttempt.delivery_id).is_not(None))
        async with self._rt.db.unit_of_work() as session:
            await session.execute(
                delete(WebhookDelivery).where(
                    col(WebhookDelivery.event_id).in_(old_events),
                    col(WebhookDelivery.status) != WebhookDeliveryStatus.PENDING,
                    col(WebhookDelivery.id).not_in(logged),
                )
            )
            kept = select(col(WebhookDelivery.event_id))
            result = await session.execute(
                delete(IntegrationEvent).where(
                    col(IntegrationEvent.created_at) < before,
                    col(IntegrationEvent.fanned_out_at).is_not(None),
                    col(IntegrationEvent.id).not_in(kept),
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)
