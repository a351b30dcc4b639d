"""Mutations that answer the same whether or not an account exists do the same work as well, so their
timing cannot tell who has an account: the same SQL statements, argon2 and HMAC calls, encryptions and
outbox rows, for an existing account, an unknown email and an unknown phone, with and without throttling
state. Measured by the work done, never by the clock.

Checked here: requestPasswordReset, resendActivation, resetPassword and activateAccount with a code.
"""

import hmac
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.jobs import outbox_jobs
from app.mail import mail_sender_from_settings
from app.outbox import OutboxDispatcher
from app.runtime import Runtime
from app.sms import sms_provider_from_settings
from models.customer import ActivationMode, CustomerStatus
from models.outbox import OutboxChannel, OutboxMessage
from models.security import ThrottleCounter
from tests.accounts.queries import ACTIVATE, REQUEST_RESET, RESEND, RESET
from tests.support import Api, Mailbox, count_statements, make_customer, make_group, read_sms, wait_for_sms_code

PHONE = "+14155550123"
UNKNOWN_PHONE = "+14155550199"
UNKNOWN_EMAIL = "ghost@example.com"
NEW_PASSWORD = "an even better passphrase"


@dataclass(frozen=True)
class Work:
    statements: tuple[str, ...]
    calls: tuple[tuple[str, int], ...]  # argon2 hash/verify, HMAC, encryption: how many of each
    outbox: tuple[tuple[OutboxChannel, str, str], ...]  # channel, template, recipient of each new row


class Meter:
    """Counts the work one request does in one app instance."""

    def __init__(self, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rt = rt
        self.calls: Counter[str] = Counter()
        for name in ("hash", "verify", "verify_dummy"):
            self._count(monkeypatch, rt.hasher, name, f"argon2.{name}")
        self._count(monkeypatch, rt.keyring, "encrypt", "encrypt")
        self._count(monkeypatch, hmac, "new", "hmac")

    def _count(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[label] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)

    async def outbox_ids(self) -> set[Any]:
        async with self.rt.db.read() as session:
            return set((await session.execute(select(OutboxMessage.id))).scalars())  # type: ignore[call-overload]

    async def measure(self, request: Callable[[], Awaitable[object]]) -> tuple[object, Work]:
        before = await self.outbox_ids()
        self.calls.clear()
        with count_statements(self.rt) as statements:
            answer = await request()
        calls = tuple(sorted(self.calls.items()))
        async with self.rt.db.read() as session:
            rows = (await session.execute(select(OutboxMessage))).scalars()
            added = tuple(sorted((r.channel, r.template, r.recipient) for r in rows if r.id not in before))
        return answer, Work(tuple(statements), calls, added)


async def forget_throttling(rt: Runtime) -> None:
    async with rt.db.unit_of_work() as session:
        await session.execute(delete(ThrottleCounter))


async def work_per_case(
    rt: Runtime, meter: Meter, cases: dict[str, Callable[[], Awaitable[object]]], *, throttled_before: bool
) -> dict[str, tuple[object, Work]]:
    """Each case measured from the same throttling state: none, or one earlier try of the same request."""
    results = {}
    for name, request in cases.items():
        await forget_throttling(rt)
        if throttled_before:
            await request()
        results[name] = await meter.measure(request)
    return results


def assert_same(results: dict[str, tuple[object, Work]]) -> Work:
    (first_answer, first_work), *_ = results.values()
    for name, (answer, work) in results.items():
        assert answer == first_answer, name
        assert work == first_work, name
    return first_work


async def run_worker(rt: Runtime) -> None:
    """What `customer-accounts worker` does with the queued jobs and the messages they queue."""
    dispatcher = OutboxDispatcher(
        rt.settings,
        rt.db,
        rt.keyring,
        mail_sender_from_settings(rt.settings),
        sms_provider_from_settings(rt.settings),
        rt.broker,
        jobs=outbox_jobs(rt),
    )
    while await dispatcher.deliver_due():
        pass


@pytest.fixture
async def quiet(app_factory: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Api, Runtime, Meter]:
    """An instance whose outbox waits for a separate worker, so nothing runs behind the measured request."""
    application, api = await app_factory(outbox_in_process=False)
    rt: Runtime = application.state.app_state.rt
    return api, rt, Meter(rt, monkeypatch)


def reset_request(api: Api, **identifier: str) -> Callable[[], Awaitable[object]]:
    async def request() -> object:
        return await api.ok(REQUEST_RESET, {"input": identifier})

    return request


@pytest.mark.parametrize("throttled_before", [False, True])
async def test_password_reset_requests_do_the_same_work_for_every_address(
    quiet: tuple[Api, Runtime, Meter], mailbox: Mailbox, sms_dir: Path, throttled_before: bool
) -> None:
    api, rt, meter = quiet
    known = await make_customer(rt, phone=PHONE)
    cases = {
        "existing email": reset_request(api, email=known.email),
        "existing email, other spelling": reset_request(api, email=known.email.upper()),
        "unknown email": reset_request(api, email=UNKNOWN_EMAIL),
        "existing phone": reset_request(api, phone=PHONE),
        "unknown phone": reset_request(api, phone=UNKNOWN_PHONE),
    }
    work = assert_same(await work_per_case(rt, meter, cases, throttled_before=throttled_before))
    # The request itself: no account lookup, no token, no hash beyond the identifier's, one job row that
    # names no one (the address is inside its encrypted payload).
    assert not any("FROM customer" in statement for statement in work.statements)
    assert dict(work.calls) == {"hmac": 1, "encrypt": 1}
    assert work.outbox == ((OutboxChannel.JOB, "password_reset", "password_reset"),)

    # The worker sends only to the account that exists, once per request.
    await run_worker(rt)
    requests = 2 if throttled_before else 1
    await mailbox.wait_for(known.email, "Reset your password")
    assert len(mailbox.to(known.email)) == 2 * requests
    assert mailbox.to(UNKNOWN_EMAIL) == []
    await wait_for_sms_code(sms_dir, PHONE, count=requests)
    assert read_sms(sms_dir, UNKNOWN_PHONE) == []


async def test_the_resend_cool_down_is_decided_by_the_worker(
    app_factory: Any, monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox
) -> None:
    application, api = await app_factory(outbox_in_process=False, resend_cooldown_seconds=600)
    rt: Runtime = application.state.app_state.rt
    meter = Meter(rt, monkeypatch)
    known = await make_customer(rt)
    first = await meter.measure(reset_request(api, email=known.email))
    await run_worker(rt)
    await mailbox.wait_for(known.email, "Reset your password")
    # Within the cool-down the request does exactly what it did the first time; only the worker holds back.
    again = await meter.measure(reset_request(api, email=known.email))
    unknown = await meter.measure(reset_request(api, email=UNKNOWN_EMAIL))
    assert again[1].calls == first[1].calls == unknown[1].calls
    assert again[1].outbox == first[1].outbox == unknown[1].outbox
    await run_worker(rt)
    assert len(mailbox.to(known.email)) == 1


@pytest.mark.parametrize("throttled_before", [False, True])
async def test_activation_resends_do_the_same_work_for_every_address(
    quiet: tuple[Api, Runtime, Meter], mailbox: Mailbox, sms_dir: Path, throttled_before: bool
) -> None:
    api, rt, meter = quiet
    await make_group(rt, "mobile", ActivationMode.SMS_CODE)
    pending = await make_customer(rt, status=CustomerStatus.PENDING_ACTIVATION)
    active = await make_customer(rt)
    await make_customer(rt, phone=PHONE, status=CustomerStatus.PENDING_ACTIVATION, group_code="mobile")

    def resend(**identifier: str) -> Callable[[], Awaitable[object]]:
        async def request() -> object:
            return await api.ok(RESEND, {"input": identifier})

        return request

    cases = {
        "waiting for activation": resend(email=pending.email),
        "already active": resend(email=active.email),
        "unknown email": resend(email=UNKNOWN_EMAIL),
        "waiting, by phone": resend(phone=PHONE),
        "unknown phone": resend(phone=UNKNOWN_PHONE),
    }
    work = assert_same(await work_per_case(rt, meter, cases, throttled_before=throttled_before))
    assert dict(work.calls) == {"hmac": 1, "encrypt": 1}
    assert work.outbox == ((OutboxChannel.JOB, "activation_resend", "activation_resend"),)

    await run_worker(rt)
    await mailbox.wait_for(pending.email, "Activate")
    assert mailbox.to(active.email) == mailbox.to(UNKNOWN_EMAIL) == []
    await wait_for_sms_code(sms_dir, PHONE, count=2 if throttled_before else 1)


@pytest.mark.parametrize("throttled_before", [False, True])
async def test_a_wrong_reset_code_costs_the_same_for_every_phone(
    quiet: tuple[Api, Runtime, Meter], sms_dir: Path, throttled_before: bool
) -> None:
    api, rt, meter = quiet
    await make_customer(rt, phone=PHONE)
    await make_customer(rt, phone="+14155550124")  # an account without a live code
    await api.ok(REQUEST_RESET, {"input": {"phone": PHONE}})
    await run_worker(rt)
    code = await wait_for_sms_code(sms_dir, PHONE)
    wrong = "000000" if code != "000000" else "111111"

    def reset(phone: str) -> Callable[[], Awaitable[object]]:
        async def request() -> object:
            return await api.ok(RESET, {"input": {"phone": phone, "code": wrong, "newPassword": NEW_PASSWORD}})

        return request

    cases = {"live code": reset(PHONE), "no code": reset("+14155550124"), "unknown phone": reset(UNKNOWN_PHONE)}
    results = await work_per_case(rt, meter, cases, throttled_before=throttled_before)
    work = assert_same(results)
    answer: Any = results["live code"][0]
    assert [e["code"] for e in answer["resetPassword"]["userErrors"]] == ["INVALID_CODE"]
    assert dict(work.calls)["argon2.hash"] == 1  # the new password is hashed before the code is checked
    # The live code still works afterwards: the wrong tries were counted, not more.
    good = await api.ok(RESET, {"input": {"phone": PHONE, "code": code, "newPassword": NEW_PASSWORD}})
    assert good["resetPassword"]["userErrors"] == []


async def test_a_wrong_activation_code_costs_the_same_for_every_phone(
    quiet: tuple[Api, Runtime, Meter], sms_dir: Path
) -> None:
    api, rt, meter = quiet
    await make_group(rt, "mobile", ActivationMode.SMS_CODE)
    await make_customer(rt, phone=PHONE, status=CustomerStatus.PENDING_ACTIVATION, group_code="mobile")
    await api.ok(RESEND, {"input": {"phone": PHONE}})
    await run_worker(rt)
    code = await wait_for_sms_code(sms_dir, PHONE)
    wrong = "000000" if code != "000000" else "111111"

    def activate(phone: str) -> Callable[[], Awaitable[object]]:
        async def request() -> object:
            return await api.ok(ACTIVATE, {"input": {"phone": phone, "code": wrong}})

        return request

    assert_same(
        await work_per_case(
            rt, meter, {"live code": activate(PHONE), "unknown": activate(UNKNOWN_PHONE)}, throttled_before=False
        )
    )


async def test_a_wrong_code_does_not_say_that_the_code_expired(
    quiet: tuple[Api, Runtime, Meter], sms_dir: Path
) -> None:
    """ "Expired" would tell that the account exists and asked for a code: only the right code learns it."""
    api, rt, _ = quiet
    from tests.accounts.test_registration import expire_verification_tokens

    await make_customer(rt, phone=PHONE)
    await api.ok(REQUEST_RESET, {"input": {"phone": PHONE}})
    await run_worker(rt)
    code = await wait_for_sms_code(sms_dir, PHONE)
    await expire_verification_tokens(rt)
    wrong = "000000" if code != "000000" else "111111"
    for phone, tried, expected in ((PHONE, wrong, "INVALID_CODE"), (UNKNOWN_PHONE, wrong, "INVALID_CODE")):
        answer = await api.ok(RESET, {"input": {"phone": phone, "code": tried, "newPassword": NEW_PASSWORD}})
        assert [e["code"] for e in answer["resetPassword"]["userErrors"]] == [expected]
    answer = await api.ok(RESET, {"input": {"phone": PHONE, "code": code, "newPassword": NEW_PASSWORD}})
    assert [e["code"] for e in answer["resetPassword"]["userErrors"]] == ["TOKEN_EXPIRED"]
