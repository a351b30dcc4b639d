"""Mail leaves through the outbox: encrypted at rest, retried while the SMTP server is down, never lost."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.config import Settings
from app.mail import FileSender, SmtpSender, build_message
from app.outbox import OutboxDispatcher, enqueue_email
from app.runtime import Runtime
from app.sms import FileSms
from app.templates import render_email
from models.base import utcnow
from models.outbox import OutboxMessage, OutboxStatus
from tests.support import Mailbox, free_port, text_body

VALUES = {"name": "Sam", "link": "https://shop.test/reset-password?token=secret-token-value", "valid_for": "1 hour"}


class FlakySender:
    """Fails a number of times like a server that is down, then delivers through the real one."""

    def __init__(self, real: SmtpSender, failures: int) -> None:
        self.real = real
        self.failures = failures

    async def send(self, message: EmailMessage) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("smtp down")
        await self.real.send(message)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime with no dispatcher of its own: each test drives delivery itself."""
    rt = Runtime.create(settings)
    yield rt
    await rt.close()


def smtp(settings: Settings) -> SmtpSender:
    assert settings.smtp_url is not None
    return SmtpSender(settings.smtp_url.get_secret_value(), 5)


async def queue(rt: Runtime, recipient: str) -> None:
    async with rt.db.unit_of_work() as session:
        enqueue_email(session, rt.keyring, "password_reset", recipient, VALUES)


async def rows(rt: Runtime) -> list[OutboxMessage]:
    async with rt.db.read() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())


async def make_due(rt: Runtime) -> None:
    async with rt.db.unit_of_work() as session:
        await session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


async def test_payload_is_encrypted_at_rest_and_cleared_after_delivery(runtime: Runtime, mailbox: Mailbox) -> None:
    await queue(runtime, "someone@example.com")
    [row] = await rows(runtime)
    assert "secret-token-value" not in row.payload
    assert (
        json.loads(runtime.keyring.decrypt(row.payload, context=f"outbox:{row.id}"))["subject"] == "Reset your password"
    )

    dispatcher = OutboxDispatcher(
        runtime.settings,
        runtime.db,
        runtime.keyring,
        smtp(runtime.settings),
        FileSms(Path("/nonexistent")),
        runtime.broker,
    )
    assert await dispatcher.deliver_due() == 1
    message = await mailbox.wait_for("someone@example.com", "Reset your password")
    assert "secret-token-value" in text_body(message)
    [row] = await rows(runtime)
    assert (row.status, row.payload, row.attempts) == (OutboxStatus.SENT, "", 1)
    assert await dispatcher.deliver_due() == 0


async def test_delivery_is_retried_with_backoff_until_the_server_answers(runtime: Runtime, mailbox: Mailbox) -> None:
    flaky = FlakySender(smtp(runtime.settings), failures=2)
    dispatcher = OutboxDispatcher(
        runtime.settings, runtime.db, runtime.keyring, flaky, FileSms(Path("/nonexistent")), runtime.broker
    )
    await queue(runtime, "retry@example.com")
    for attempt in (1, 2):
        await dispatcher.deliver_due()
        [row] = await rows(runtime)
        assert (row.status, row.attempts, row.last_error) == (
            OutboxStatus.PENDING,
            attempt,
            "ConnectionRefusedError: smtp down",
        )
        assert row.next_attempt_at > utcnow()
        assert await dispatcher.deliver_due() == 0  # not due before its backoff
        await make_due(runtime)
    await dispatcher.deliver_due()
    [row] = await rows(runtime)
    assert row.status is OutboxStatus.SENT
    await mailbox.wait_for("retry@example.com", "Reset your password")


async def test_a_message_that_never_goes_through_is_kept_as_dead(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"outbox_max_attempts": 2})
    dead_server = SmtpSender(f"smtp://127.0.0.1:{free_port()}", 2)
    dispatcher = OutboxDispatcher(
        settings, runtime.db, runtime.keyring, dead_server, FileSms(Path("/nonexistent")), runtime.broker
    )
    await queue(runtime, "late@example.com")
    await dispatcher.deliver_due()
    await make_due(runtime)
    await dispatcher.deliver_due()
    [row] = await rows(runtime)
    assert row.status is OutboxStatus.DEAD
    assert row.attempts == 2
    assert row.payload != ""  # kept, so an operator can still resend it


async def test_two_dispatchers_never_deliver_one_message_twice(runtime: Runtime, mailbox: Mailbox) -> None:
    for i in range(6):
        await queue(runtime, f"many-{i}@example.com")
    first = OutboxDispatcher(
        runtime.settings, runtime.db, runtime.keyring, smtp(runtime.settings), FileSms(Path("/x")), runtime.broker
    )
    second = OutboxDispatcher(
        runtime.settings, runtime.db, runtime.keyring, smtp(runtime.settings), FileSms(Path("/x")), runtime.broker
    )
    delivered = await asyncio.gather(first.deliver_due(), second.deliver_due())
    assert sum(delivered) == 6
    for i in range(6):
        await mailbox.wait_for(f"many-{i}@example.com")
    assert len(mailbox.messages) == 6


async def test_the_running_app_delivers_mail_by_itself(api: object, rt: Runtime, mailbox: Mailbox) -> None:
    await queue(rt, "background@example.com")
    await mailbox.wait_for("background@example.com", "Reset your password")


async def test_file_backend_writes_eml_files(tmp_path: Path) -> None:
    directory = tmp_path / "mail"
    email = render_email("activation", {"name": "X", "link": "https://s/a", "valid_for": "1 day"})
    await FileSender(directory).send(build_message("Shop <no-reply@shop.test>", "x@example.com", email))
    [path] = list(directory.glob("*.eml"))
    content = path.read_bytes()
    assert b"Subject: Activate your account" in content
    assert b"text/html" in content
    assert b"text/plain" in content


async def test_a_dispatcher_delivers_only_its_channels_and_prunes_what_was_sent(runtime: Runtime) -> None:
    from datetime import timedelta

    from app.outbox import EVENTS_ONLY, MAIL_AND_SMS, enqueue_event
    from models.outbox import OutboxChannel

    await queue(runtime, "kept-for-the-mailer@example.com")
    async with runtime.db.unit_of_work() as session:
        enqueue_event(session, runtime.keyring, "test.event", ["t"], {"n": 1})
    received = []
    async with runtime.broker.subscribe("t") as subscription:
        events = OutboxDispatcher(
            runtime.settings,
            runtime.db,
            runtime.keyring,
            smtp(runtime.settings),
            FileSms(Path("/x")),
            runtime.broker,
            channels=EVENTS_ONLY,
        )
        assert await events.deliver_due() == 1
        received.append(subscription.get_nowait().message)
    assert received == [{"n": 1}]
    left = {(row.channel, row.status) for row in await rows(runtime)}
    assert left == {(OutboxChannel.EVENT, OutboxStatus.SENT), (OutboxChannel.EMAIL, OutboxStatus.PENDING)}
    mail = OutboxDispatcher(
        runtime.settings,
        runtime.db,
        runtime.keyring,
        smtp(runtime.settings),
        FileSms(Path("/x")),
        runtime.broker,
        channels=MAIL_AND_SMS,
    )
    assert await mail.prune(utcnow() - timedelta(days=1)) == 0  # too recent to forget
    assert await mail.prune(utcnow() + timedelta(seconds=1)) == 1
    assert {row.channel for row in await rows(runtime)} == {OutboxChannel.EMAIL}
