"""Periodic jobs run by the worker (and by the server when it is its own worker)."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from app.outbox import OutboxJob
from app.runtime import Runtime
from app.services import account_messages, anomalies, offers, passwords, payments, registration, returns

logger = logging.getLogger(__name__)


def outbox_jobs(rt: Runtime) -> dict[str, OutboxJob]:
    """What the outbox dispatcher runs for JOB rows, by name."""
    return {
        account_messages.PASSWORD_RESET: partial(passwords.send_reset, rt),
        account_messages.ACTIVATION_RESEND: partial(registration.send_activation_again, rt),
    }


async def run_anomaly_scans(rt: Runtime, stop: asyncio.Event) -> None:
    """Scan the audit log every ANOMALY_SCAN_MINUTES until stopped (0 turns the schedule off)."""
    interval = rt.settings.anomaly_scan_minutes * 60
    if interval <= 0:
        return
    while not stop.is_set():
        try:
            found = await anomalies.scan(rt)
            if found:
                logger.warning("security alerts raised", extra={"count": len(found)})
        except Exception:
            logger.exception("anomaly scan failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def run_payment_reconciliation(rt: Runtime, stop: asyncio.Event) -> None:
    """Settle unconfirmed card payments and retry due refunds every RECONCILE_PAYMENTS_SECONDS (0: off)."""
    interval = rt.settings.reconcile_payments_seconds
    if interval <= 0:
        return
    while not stop.is_set():
        try:
            handled = await payments.reconcile(rt)
            if handled:
                logger.info("payments reconciled", extra={"count": handled})
        except Exception:
            logger.exception("payment reconciliation failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def _every(interval: int, stop: asyncio.Event, job: Callable[[], Awaitable[int]], done: str, failed: str) -> None:
    """Run `job` every `interval` seconds until stopped (0: never); log what it did, or that it failed."""
    if interval <= 0:
        return
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            count = await job()
            if count:
                logger.info(done, extra={"count": count})
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
