"""Periodic jobs run by the worker (and by the server when it is its own worker)."""

import asyncio
import contextlib
import logging

from app.runtime import Runtime
from app.services import anomalies, offers, payments, returns

logger = logging.getLogger(__name__)


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


async def run_offer_expiry(rt: Runtime, stop: asyncio.Event) -> None:
    """Mark offers past their valid-until EXPIRED every EXPIRE_OFFERS_SECONDS (0: off). Accepting checks the
    clock itself, so a late round only delays the EXPIRED state and its emails."""
    interval = rt.settings.expire_offers_seconds
    if interval <= 0:
        return
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            expired = await offers.expire_due(rt)
            if expired:
                logger.info("offers expired", extra={"count": expired})
        except Exception:
            logger.exception("offer expiry failed")


async def run_return_refund_retries(rt: Runtime, stop: asyncio.Event) -> None:
    """Retry card refunds of returns that failed or got no answer, every RETRY_RETURN_REFUNDS_SECONDS
    (0: off). Each retry uses the refund's own idempotency key, so the gateway never pays twice."""
    interval = rt.settings.retry_return_refunds_seconds
    if interval <= 0:
        return
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
        if stop.is_set():
            return
        try:
            retried = await returns.retry_failed_refunds(rt)
            if retried:
                logger.info("return refunds retried", extra={"count": retried})
        except Exception:
            logger.exception("return refund retries failed")
