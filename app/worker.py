"""`customer-accounts worker`: delivers the outbox and runs the scheduled jobs, beside the servers.

Its dispatcher wakes when a server commits messages (PostgreSQL NOTIFY, or Redis; see app/wakeups.py),
so OUTBOX_POLL_SECONDS is only the fallback for wake-ups lost in an outage.
"""

import asyncio

from app.jobs import (
    outbox_dispatcher,
    run_analytics_rollups,
    run_anomaly_scans,
    run_offer_expiry,
    run_payment_reconciliation,
    run_return_refund_retries,
)
from app.outbox import MAIL_AND_SMS
from app.runtime import Runtime
from app.services.webhook_dispatch import WebhookDispatcher
from app.startup import WORKER_DEGRADED, redis_problem, report_redis_down
from app.wakeups import WakeListener, announce_commits, wake_listener


class Worker:
    def __init__(self, rt: Runtime) -> None:
        settings = rt.settings
        self.rt = rt
        # Without Redis this process could publish events to nobody: the servers deliver those.
        self.dispatcher = outbox_dispatcher(rt, None if rt.broker.reaches_other_processes else MAIL_AND_SMS)
        # Messages added by this process's own jobs wake its dispatcher, and the servers' (their events).
        rt.db.on_outbox_commit.append(self.dispatcher.wake.set)
        # Webhooks go out from here (with or without Redis), woken like the outbox.
        self.webhooks = WebhookDispatcher(rt)
        rt.db.on_outbox_commit.append(self.webhooks.wake.set)
        announce_commits(rt.db, rt.redis, settings.redis_prefix)
        self.wakeups: WakeListener | None = wake_listener(settings, rt.db, rt.redis)

    async def run(self, stop: asyncio.Event) -> None:
        redis_down = await redis_problem(self.rt)
        if redis_down:
            report_redis_down(self.rt, redis_down, WORKER_DEGRADED)
        tasks = [
            self.dispatcher.run(stop),
            run_anomaly_scans(self.rt, stop),
            run_payment_reconciliation(self.rt, stop),
            run_offer_expiry(self.rt, stop),
            run_return_refund_retries(self.rt, stop),
            self.webhooks.run(stop),
            run_analytics_rollups(self.rt, stop),
        ]
        if self.wakeups is not None:
            woken = asyncio.Event()
            tasks.append(self.wakeups.run(woken, stop))
            tasks.append(_relay(woken, (self.dispatcher.wake, self.webhooks.wake), stop))
        await asyncio.gather(*tasks)


async def _relay(woken: asyncio.Event, targets: tuple[asyncio.Event, ...], stop: asyncio.Event) -> None:
    """A wake-up from another process wakes both dispatchers."""
    while not stop.is_set():
        waits = [asyncio.create_task(woken.wait()), asyncio.create_task(stop.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        if woken.is_set():
            woken.clear()
            for target in targets:
                target.set()
