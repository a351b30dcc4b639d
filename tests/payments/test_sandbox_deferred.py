"""The sandbox's deferred states: 3-D Secure (REQUIRES_ACTION until the customer answers), SEPA debits
(PROCESSING, then settled or failed), currencies, and its signed webhooks."""

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from app.payments.gateway import (
    Charge,
    ChargeStatus,
    EventKind,
    InvalidEventError,
    MethodKind,
    PaymentDeclinedError,
    UnsupportedCurrencyError,
)
from app.payments.sandbox import SandboxGateway


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(clock: Clock) -> SandboxGateway:
    return SandboxGateway(production=False, clock=clock, base_url="http://shop.test/", processing_seconds=60)


async def _charge(gateway: SandboxGateway, client_token: str, key: str = "key-1", currency: str = "EUR") -> Charge:
    token = (await gateway.tokenize(client_token)).gateway_token
    return await gateway.charge(
        token, 1250, currency, idempotency_key=key, description="Order", return_url="http://shop.test/back?x=1"
    )


async def test_a_3ds_card_waits_for_the_customer_then_succeeds(gateway: SandboxGateway) -> None:
    token = (await gateway.tokenize("tok_visa_3ds")).gateway_token
    charge = await gateway.charge(
        token, 1250, "EUR", idempotency_key="key-1", description="Order", return_url="http://shop.test/back?x=1"
    )
    assert charge.status is ChargeStatus.REQUIRES_ACTION
    assert charge.action is not None
    assert charge.action.client_secret.startswith(charge.charge_id)
    page = urlsplit(charge.action.redirect_url or "")
    assert (page.scheme, page.netloc, page.path) == ("http", "shop.test", f"/sandbox/authenticate/{charge.charge_id}")
    assert parse_qs(page.query)["return_url"] == ["http://shop.test/back?x=1"]
    assert (await gateway.retrieve_charge(charge.charge_id)).status is ChargeStatus.REQUIRES_ACTION
    assert gateway.awaiting_authentication(charge.charge_id) is not None
    assert gateway.authenticate(charge.charge_id, completed=True)
    assert not gateway.authenticate(charge.charge_id, completed=False)  # answered once
    done = await gateway.retrieve_charge(charge.charge_id)
    assert (done.status, done.action) == (ChargeStatus.SUCCEEDED, None)
    # the same key again: the charge as it is now, not a second one
    again = await gateway.charge(token, 1250, "EUR", idempotency_key="key-1", description="Order")
    assert (again.charge_id, again.status) == (charge.charge_id, ChargeStatus.SUCCEEDED)


async def test_a_refused_or_abandoned_authentication_declines(gateway: SandboxGateway) -> None:
    refused = await _charge(gateway, "tok_visa_3ds", "key-refused")
    assert gateway.authenticate(refused.charge_id, completed=False)
    with pytest.raises(PaymentDeclinedError) as declined:
        await gateway.retrieve_charge(refused.charge_id)
    assert declined.value.reason_code == "authentication_failed"
    abandoned = await _charge(gateway, "tok_visa_3ds", "key-abandoned")
    with pytest.raises(PaymentDeclinedError):
        await gateway.cancel_charge(abandoned.charge_id)
    assert not gateway.authenticate(abandoned.charge_id, completed=True)  # cancelled: can never succeed later


async def test_cancelling_a_charge_that_succeeded_meanwhile_returns_it(gateway: SandboxGateway) -> None:
    charge = await _charge(gateway, "tok_visa_3ds")
    gateway.authenticate(charge.charge_id, completed=True)
    assert (await gateway.cancel_charge(charge.charge_id)).status is ChargeStatus.SUCCEEDED


async def test_sepa_debits_process_then_settle_or_fail(gateway: SandboxGateway, clock: Clock) -> None:
    method = await gateway.tokenize("tok_sepa_debit")
    assert (method.kind, method.country, method.last4, method.exp_month) == (MethodKind.SEPA_DEBIT, "DE", "3000", 0)
    good = await _charge(gateway, "tok_sepa_debit", "key-good")
    bad = await _charge(gateway, "tok_sepa_debit_fails", "key-bad")
    assert good.status is bad.status is ChargeStatus.PROCESSING
    clock.now += timedelta(seconds=59)
    assert (await gateway.retrieve_charge(good.charge_id)).status is ChargeStatus.PROCESSING
    clock.now += timedelta(seconds=2)
    assert (await gateway.retrieve_charge(good.charge_id)).status is ChargeStatus.SUCCEEDED
    with pytest.raises(PaymentDeclinedError) as failed:
        await gateway.retrieve_charge(bad.charge_id)
    assert failed.value.reason_code == "debit_not_authorized"


@pytest.mark.parametrize("currency", ["USD", "JPY", "GBP"])
async def test_sepa_takes_only_euros(gateway: SandboxGateway, currency: str) -> None:
    assert not gateway.supports(MethodKind.SEPA_DEBIT, currency)
    assert gateway.supports(MethodKind.CARD, currency)
    with pytest.raises(UnsupportedCurrencyError):
        await _charge(gateway, "tok_sepa_debit", currency=currency)


async def test_an_account_takes_only_its_currencies() -> None:
    gateway = SandboxGateway(production=False, currencies=frozenset({"EUR"}))
    assert gateway.supports(MethodKind.CARD, "EUR")
    assert not gateway.supports(MethodKind.CARD, "USD")
    assert not gateway.supports(MethodKind.CARD, "XYZ")
    with pytest.raises(UnsupportedCurrencyError) as refused:
        await _charge(gateway, "tok_visa", currency="USD")
    assert refused.value.currency == "USD"


async def test_customers_and_setups() -> None:
    gateway = SandboxGateway(production=False)
    first, again = await gateway.create_customer("c-1", None), await gateway.create_customer("c-1", "a@b.c")
    assert first == again != await gateway.create_customer("c-2", None)
    setup = await gateway.begin_setup(first, [MethodKind.CARD])
    assert setup.client_secret.startswith(setup.setup_id)
    assert "secret" not in repr(setup)


def _event(**data: object) -> bytes:
    body = {"id": "evt_1", "type": "dispute_opened", "created": int(time.time()), "data": data}
    return json.dumps(body).encode()


def test_signed_events_are_read() -> None:
    gateway = SandboxGateway(production=False)
    payload = _event(charge_id="sbx_ch_1", dispute_id="dp_1", amount=500, currency="EUR", reason="fraudulent")
    event = gateway.parse_event(payload, gateway.sign(payload))
    assert (event.event_id, event.kind, event.charge_id, event.amount) == (
        "evt_1",
        EventKind.DISPUTE_OPENED,
        "sbx_ch_1",
        500,
    )


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=abc,v1=00",
        "v1=00",
        "t=1,v1=" + "0" * 64,
    ],
)
def test_unsigned_or_forged_events_are_refused(header: str) -> None:
    with pytest.raises(InvalidEventError):
        SandboxGateway(production=False).parse_event(_event(), header)


def test_tampered_old_or_foreign_events_are_refused() -> None:
    gateway = SandboxGateway(production=False)
    payload = _event(charge_id="sbx_ch_1")
    with pytest.raises(InvalidEventError):
        gateway.parse_event(payload.replace(b"sbx_ch_1", b"sbx_ch_2"), gateway.sign(payload))
    with pytest.raises(InvalidEventError):  # outside the replay window, though correctly signed
        gateway.parse_event(payload, gateway.sign(payload, int(time.time()) - 301))
    other = SandboxGateway(production=False, webhook_secret="whsec_other")
    with pytest.raises(InvalidEventError):
        gateway.parse_event(payload, other.sign(payload))
    for body in (b"not json", b"{}", json.dumps({"id": "e", "type": "nope", "created": 1}).encode()):
        with pytest.raises(InvalidEventError):
            gateway.parse_event(body, gateway.sign(body))
