"""Transactional outbox for mail, SMS and subscription events.

`enqueue_*` adds a row in the caller's unit of work, so a message exists exactly when the change that
caused it committed. The dispatcher (in the server process, or `customer-accounts worker`) claims due
rows with a conditional update, so any number of dispatchers can run at once, and retries with
exponential backoff when delivery fails; nothing is dropped.
"""

import asyncio
import json
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.config import Settings
from app.db import OUTBOX_WAKE_KEY, Database
from app.events import Broker
from app.i18n import ENGLISH, MessageLocale
from app.mail import MailSender, build_message
from app.outages import ServiceUnavailableError
from app.security.crypto import Keyring
from app.sms import SmsProvider
from app.templates import Brand, MessageValue, RenderedEmail, render_email, render_sms
from models.base import utcnow
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF_SECONDS = 3600
BATCH_SIZE = 20
PRUNE_EVERY = timedelta(hours=1)
# With the jobs that decide whether to send some of them (password resets, activation resends).
MAIL_AND_SMS = frozenset({OutboxChannel.EMAIL, OutboxChannel.SMS, OutboxChannel.JOB})
EVENTS_ONLY = frozenset({OutboxChannel.EVENT})
# A job's handler gets the job's payload; it runs its own unit of work and may enqueue messages.
OutboxJob = Callable[[dict[str, Any]], Awaitable[None]]


def _payload_context(message_id: uuid.UUID) -> str:
    return f"outbox:{message_id}"


def _add(
    session: AsyncSession,
    keyring: Keyring,
    channel: OutboxChannel,
    template: str,
    recipient: str,
    payload: dict[str, Any],
) -> None:
    message_id = uuid.uuid4()
    sealed = keyring.encrypt(json.dumps(payload), context=_payload_context(message_id))
    session.add(
        OutboxMessage(
            id=message_id,
            channel=channel,
            template=template,
            recipient=recipient,
            payload=sealed,
            status=OutboxStatus.PENDING,
        )
    )
    session.info[OUTBOX_WAKE_KEY] = True


def enqueue_email(
    session: AsyncSession,
    keyring: Keyring,
    template: str,
    recipient: str,
    values: Mapping[str, MessageValue],
    *,
    locale: MessageLocale = ENGLISH,
    brand: Brand | None = None,
    reply_to: str | None = None,
) -> None:
    """Rendered now, in the recipient's language: the message says what was true when it was caused."""
    email = render_email(template, values, locale, brand)
    payload = {"subject": email.subject, "text": email.text, "html": email.html}
    if reply_to:
        payload["reply_to"] = reply_to
    _add(session, keyring, OutboxChannel.EMAIL, template, recipient, payload)


def enqueue_sms(
    session: AsyncSession,
    keyring: Keyring,
    template: str,
    recipient: str,
    values: Mapping[str, MessageValue],
    *,
    locale: MessageLocale = ENGLISH,
) -> None:
    _add(session, keyring, OutboxChannel.SMS, template, recipient, {"text": render_sms(template, values, locale)})


def enqueue_event(
    session: AsyncSession, keyring: Keyring, name: str, topics: list[str], message: dict[str, Any]
) -> None:
    """An event for subscribers of `topics`, published once the change that caused it has committed."""
    _add(session, keyring, OutboxChannel.EVENT, name, name, {"topics": topics, "message": message})


def enqueue_job(session: AsyncSession, keyring: Keyring, name: str, payload: dict[str, Any]) -> None:
    """Work for the worker once this commits (the payload is encrypted like a message's)."""
    _add(session, keyring, OutboxChannel.JOB, name, name, payload)


def backoff_seconds(attempts: int) -> float:
    base = min(2**attempts, MAX_BACKOFF_SECONDS)
    return float(base * random.uniform(0.8, 1.2))  # noqa: S311  (jitter, not a secret)


class OutboxDispatcher:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        keyring: Keyring,
        mailer: MailSender,
        sms: SmsProvider,
        broker: Broker,
        channels: frozenset[OutboxChannel] | None = None,
        jobs: Mapping[str, OutboxJob] | None = None,
    ) -> None:
        self._settings = settings
        self._broker = broker
        # Which messages this dispatcher delivers: a worker without Redis leaves events to the servers,
        # whose subscribers only an in-process publish can reach.
        self._channels = channels or frozenset(OutboxChannel)
        self._jobs = dict(jobs or {})
        if not self._jobs:  # jobs wait for a dispatcher that knows them
            self._channels -= {OutboxChannel.JOB}
        self._pruned_at: datetime | None = None
        self._db = db
        self._keyring = keyring
        self._mailer = mailer
        self._sms = sms
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        logger.info("outbox dispatcher started", extra={"channels": sorted(c.value for c in self._channels)})
        while not stop.is_set():
            # Cleared before the round, not after: a wake-up that arrives during the round starts another.
            self.wake.clear()
            try:
                await self._prune_now_and_then()
                delivered = await self.deliver_due()
            except ServiceUnavailableError:
                delivered = 0  # the outage is logged where it was met; the next round tries again
            except Exception:
                logger.exception("outbox dispatch round failed")
                delivered = 0
            if delivered:
                continue
            waits = [asyncio.create_task(self.wake.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waits, timeout=self._settings.outbox_poll_seconds, return_when=asyncio.FIRST_COMPLETED)
            for task in waits:
                task.cancel()
        logger.info("outbox dispatcher stopped")

    async def deliver_due(self) -> int:
        now = utcnow()
        async with self._db.read() as session:
            rows = await session.execute(
                select(col(OutboxMessage.id))
                .where(
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    col(OutboxMessage.channel).in_(self._channels),
                    col(OutboxMessage.next_attempt_at) <= now,
                    or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
                )
                .order_by(col(OutboxMessage.next_attempt_at))
                .limit(BATCH_SIZE)
            )
            candidates = list(rows.scalars())
        delivered = 0
        for message_id in candidates:
            message = await self._claim(message_id)
            if message is not None:
                await self._deliver(message)
                delivered += 1
        return delivered

    async def _prune_now_and_then(self) -> None:
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        await self.prune(now - timedelta(days=self._settings.outbox_retention_days))

    async def prune(self, before: datetime) -> int:
        """Forget delivered messages sent before `before` (their payload is already gone)."""
        async with self._db.unit_of_work() as session:
            result = await session.execute(
                delete(OutboxMessage).where(
                    col(OutboxMessage.status) == OutboxStatus.SENT, col(OutboxMessage.sent_at) < before
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _claim(self, message_id: uuid.UUID) -> OutboxMessage | None:
        now = utcnow()
        async with self._db.unit_of_work() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.status) == OutboxStatus.PENDING,
                    or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now),
                )
                .values(locked_until=now + LEASE)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return await session.get(OutboxMessage, message_id)

    async def _send(self, message: OutboxMessage) -> None:
        payload = json.loads(self._keyring.decrypt(message.payload, context=_payload_context(message.id)))
        if message.channel is OutboxChannel.EMAIL:
            email = RenderedEmail(subject=payload["subject"], text=payload["text"], html=payload["html"])
            await self._mailer.send(
                build_message(self._settings.mail_from, message.recipient, email, payload.get("reply_to"))
            )
        elif message.channel is OutboxChannel.EVENT:
            await self._broker.publish(payload["topics"], payload["message"])
        elif message.channel is OutboxChannel.JOB:
            await self._jobs[message.template](payload)
        else:
            await self._sms.send(message.recipient, payload["text"])

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            await self._send(message)
        except Exception as exc:  # any delivery failure is retried later
            await self._record_failure(message, exc)
            return
        async with self._db.unit_of_work() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message.id)
                .values(
                    status=OutboxStatus.SENT,
                    payload="",
                    sent_at=utcnow(),
                    locked_until=None,
                    attempts=col(OutboxMessage.attempts) + 1,
                    last_error=None,
                )
            )
        logger.info("outbox message delivered", extra={"outbox_id": str(message.id), "template": message.template})

    async def _record_failure(self, message: OutboxMessage, exc: Exception) -> None:
        attempts = message.attempts + 1
        dead = attempts >= self._settings.outbox_max_attempts
        error = f"{type(exc).__name__}: {exc}"[:500]
        async with self._db.unit_of_work() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message.id)
                .values(
                    attempts=attempts,
                    status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
                    next_attempt_at=utcnow() + timedelta(seconds=backoff_seconds(attempts)),
                    locked_until=None,
                    last_error=error,
                )
            )
        log = logger.error if dead else logger.warning
        log(
            "outbox delivery failed",
            extra={"outbox_id": str(message.id), "template": message.template, "attempts": attempts, "error": error},
        )
