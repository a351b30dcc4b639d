"""Periodic jobs run by the worker (and by the server when it is its own worker)."""

import asyncio
import contextlib
import logging

from app.runtime import Runtime
from app.services import anomalies

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
