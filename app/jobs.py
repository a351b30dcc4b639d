"""Periodic jobs run by the worker (and by the server when it is its own worker)."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from app.mail import mail_sender_from_settings
from app.outages import ServiceUnavailableError
from app.outbox import OutboxDispatcher, OutboxJob
from app.runtime import Runtime
from app.services import account_messages, anomalies, offers, passwords, payments, registration, returns
from app.services.analytics_rollup import run as roll_up_analytics
from app.sms import sms_provider_from_settings
from models.outbox import OutboxChannel

logger = logging.getLogger(__name__)


def outbox_jobs(rt: Runtime) -> dict[str, OutboxJob]:
    """What the outbox dispatcher runs for JOB rows, by name."""
    return {
        account_messages.PASSWORD_RESET: partial(passwords.send_reset, rt),
        account_messages.ACTIVATION_RESEND: partial(registration.send_activation_again, rt),
    }


def outbox_dispatcher(rt: Runtime, channels: frozenset[OutboxChannel] | None) -> OutboxDispatcher:
    """The dispatcher a server or worker runs: real mail and SMS senders, the broker, and the outbox jobs."""
    settings = rt.settings
    return OutboxDispatcher(
        settings,
        rt.db,
        rt.keyring,
        mail_sender_from_settings(settings),
        sms_provider_from_settings(settings),
        rt.broker,
        channels=channels,
        jobs=outbox_jobs(rt),
    )


async def run_anomaly_scans(rt: Runtime, stop: asyncio.Event) -> None:
    """Scan the audit log every ANOMALY_SCAN_MINUTES until stopped (0 turns the schedule off)."""

    async def scan() -> int:
        return len(await anomalies.scan(rt))

    await _every(
        rt.settings.anomaly_scan_minutes * 60,
        stop,
        scan,
        "security alerts raised",
        "anomaly scan failed",
        now=True,
        level=logging.WARNING,  # what alerting on the log watches for
    )


async def run_payment_reconciliation(rt: Runtime, stop: asyncio.Event) -> None:
    """Settle unconfirmed card payments and retry due refunds every RECONCILE_PAYMENTS_SECONDS (0: off)."""
    await _every(
        rt.settings.reconcile_payments_seconds,
        stop,
        lambda: payments.reconcile(rt),
        "payments reconciled",
        "payment reconciliation failed",
        now=True,
    )


async def _every(
    interval: int,
    stop: asyncio.Event,
    job: Callable[[], Awaitable[int]],
    done: str,
    failed: str,
    *,
    now: bool = False,
    level: int = logging.INFO,
) -> None:
    """Run `job` every `interval` seconds until stopped (0: never), the first time at once when `now`; log what
    it did, or that it failed. An outage of the database or Redis is logged where it is met (once in a while,
    app.outages), not as a traceback every round."""
    if interval <= 0:
        return
    while not stop.is_set():
        if not now:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
        now = False
        try:
            count = await job()
            if count:
                logger.log(level, done, extra={"count": count})
        except ServiceUnavailableError as outage:
            logger.info("%s: %s unavailable, next round in %s s", failed, outage.service, interval)
        except Exception:
            logger.exception(failed)


async def run_offer_expiry(rt: Runtime, stop: asyncio.Event) -> None:
    """Mark offers past their valid-until EXPIRED every EXPIRE_OFFERS_SECONDS (0: off). Accepting checks the
    clock itself, so a late round only delays the EXPIRED state and its emails."""
    await _every(
        rt.settings.expire_offers_seconds, stop, lambda: offers.expire_due(rt), "offers expired", "offer expiry failed"
    )


async def run_return_refund_retries(rt: Runtime, stop: asyncio.Event) -> None:
    """Retry card refunds of returns that failed or got no answer, every RETRY_RETURN_REFUNDS_SECONDS
    (0: off). Each retry uses the refund's own idempotency key, so the gateway never pays twice."""
    await _every(
        rt.settings.retry_return_refunds_seconds,
        stop,
        lambda: returns.retry_failed_refunds(rt),
        "return refunds retried",
        "return refund retries failed",
    )


async def run_analytics_rollups(rt: Runtime, stop: asyncio.Event) -> None:
    """Roll new events up into the analytics counters every ANALYTICS_ROLLUP_SECONDS (0: off). Safe on any
    number of workers and servers at once: each source's watermark is taken under a lock."""
    await _every(
        rt.settings.analytics_rollup_seconds,
        stop,
        lambda: roll_up_analytics(rt),
        "analytics events rolled up",
        "analytics rollup failed",
    )
