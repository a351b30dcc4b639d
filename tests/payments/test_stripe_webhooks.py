"""Stripe's signed webhooks read by the Stripe gateway: every kind we act on, from events the stand-in
made as Stripe would, and the refusals (bad signature, replayed, malformed)."""

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from app.payments.gateway import CardBrand, EventKind, GatewayConfigurationError, InvalidEventError, MethodKind
from app.payments.stripe_gateway import StripeGateway
from tests.payments.stripe_standin import StripeStandin


async def paid(gateway: StripeGateway, standin: StripeStandin, method: str = "pm_card_visa", amount: int = 1000) -> str:
    card = await gateway.tokenize(method, customer_ref=await gateway.create_customer("c-1", None))
    charge = await gateway.charge(card.gateway_token, amount, "EUR", idempotency_key=f"a-{amount}", description="x")
    return charge.charge_id


def delivered(gateway: StripeGateway, standin: StripeStandin, event: dict[str, Any]) -> Any:
    payload, header = standin.signed(event)
    return gateway.parse_event(payload, header)


async def test_payment_succeeded(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    charge_id = await paid(stripe_gateway, stripe_standin)
    (event,) = stripe_standin.events_of("payment_intent.succeeded")
    parsed = delivered(stripe_gateway, stripe_standin, event)
    assert parsed.kind is EventKind.PAYMENT_SUCCEEDED
    assert (parsed.event_id, parsed.raw_type) == (event["id"], "payment_intent.succeeded")
    assert (parsed.charge_id, parsed.amount, parsed.currency) == (charge_id, 1000, "EUR")
    assert parsed.created == datetime.fromtimestamp(event["created"], UTC)


async def test_payment_failed_with_the_decline_code(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await stripe_gateway.tokenize(
        "pm_card_chargeDeclinedInsufficientFunds", customer_ref=await stripe_gateway.create_customer("c-1", None)
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 (the decline itself is tested elsewhere)
        await stripe_gateway.charge(card.gateway_token, 1000, "EUR", idempotency_key="a", description="x")
    (event,) = stripe_standin.events_of("payment_intent.payment_failed")
    parsed = delivered(stripe_gateway, stripe_standin, event)
    assert parsed.kind is EventKind.PAYMENT_FAILED
    assert parsed.charge_id == event["data"]["object"]["id"]
    assert (parsed.reason_code, parsed.message) == ("insufficient_funds", "Your card has insufficient funds.")


async def test_a_failed_sepa_debit_and_a_canceled_payment_are_failures(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    customer_ref = await stripe_gateway.create_customer("c-1", None)
    setup = await stripe_gateway.begin_setup(customer_ref, [MethodKind.SEPA_DEBIT])
    stripe_standin.confirm_setup(setup.setup_id, "AT861904300235473202")
    account = await stripe_gateway.tokenize(setup.setup_id, customer_ref=customer_ref)
    debit = await stripe_gateway.charge(account.gateway_token, 2500, "EUR", idempotency_key="a", description="x")
    stripe_standin.settle()
    (failed,) = stripe_standin.events_of("payment_intent.payment_failed")
    parsed = delivered(stripe_gateway, stripe_standin, failed)
    assert (parsed.kind, parsed.charge_id, parsed.reason_code) == (
        EventKind.PAYMENT_FAILED,
        debit.charge_id,
        "insufficient_funds",
    )

    card = await stripe_gateway.tokenize("pm_card_authenticationRequired", customer_ref=customer_ref)
    pending = await stripe_gateway.charge(card.gateway_token, 900, "EUR", idempotency_key="b", description="x")
    await stripe_gateway.cancel_charge(pending.charge_id)
    (canceled,) = stripe_standin.events_of("payment_intent.canceled")
    parsed = delivered(stripe_gateway, stripe_standin, canceled)
    assert (parsed.kind, parsed.charge_id, parsed.reason_code) == (
        EventKind.PAYMENT_FAILED,
        pending.charge_id,
        "canceled",
    )
    assert parsed.message


async def test_refunds_name_the_payment_intent(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    charge_id = await paid(stripe_gateway, stripe_standin)
    refund = await stripe_gateway.refund(charge_id, 400, idempotency_key="r")
    (created,) = stripe_standin.events_of("refund.created")
    parsed = delivered(stripe_gateway, stripe_standin, created)
    assert parsed.kind is EventKind.PAYMENT_REFUNDED
    assert (parsed.charge_id, parsed.refund_id, parsed.amount, parsed.currency) == (
        charge_id,
        refund.refund_id,
        400,
        "EUR",
    )

    updated = stripe_standin.event("refund.updated", created["data"]["object"])
    assert delivered(stripe_gateway, stripe_standin, updated).refund_id == refund.refund_id
    failed = stripe_standin.event("refund.updated", {**created["data"]["object"], "status": "failed"})
    assert delivered(stripe_gateway, stripe_standin, failed).kind is EventKind.OTHER

    # charge.refunded carries the charge (ch_...): the charge id we report is still the PaymentIntent's
    (on_charge,) = stripe_standin.events_of("charge.refunded")
    parsed = delivered(stripe_gateway, stripe_standin, on_charge)
    assert parsed.kind is EventKind.PAYMENT_REFUNDED
    assert parsed.charge_id == charge_id
    assert on_charge["data"]["object"]["id"].startswith("ch_")
    assert (parsed.refund_id, parsed.amount) == (None, 400)  # no refunds list in the charge: the total so far
    with_list = {
        **on_charge["data"]["object"],
        "refunds": {"object": "list", "data": [stripe_standin.refunds[refund.refund_id]]},
    }
    parsed = delivered(stripe_gateway, stripe_standin, stripe_standin.event("charge.refunded", with_list))
    assert (parsed.refund_id, parsed.amount) == (refund.refund_id, 400)


async def test_disputes(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    charge_id = await paid(stripe_gateway, stripe_standin, amount=3000)
    dispute = stripe_standin.open_dispute(charge_id, reason="product_not_received")
    stripe_standin.update_dispute(dispute["id"], "under_review")
    stripe_standin.update_dispute(dispute["id"], "lost")
    opened, updated, closed = (
        delivered(stripe_gateway, stripe_standin, stripe_standin.events_of(kind)[0])
        for kind in ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")
    )
    assert opened.kind is EventKind.DISPUTE_OPENED
    assert (opened.charge_id, opened.dispute_id, opened.amount, opened.currency) == (
        charge_id,
        dispute["id"],
        3000,
        "EUR",
    )
    assert (opened.reason, opened.dispute_status) == ("product_not_received", "needs_response")
    assert (updated.kind, updated.dispute_status) == (EventKind.DISPUTE_UPDATED, "under_review")
    assert (closed.kind, closed.dispute_status, closed.charge_id) == (EventKind.DISPUTE_UPDATED, "lost", charge_id)


async def test_payment_method_updated_and_detached(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    card = await stripe_gateway.tokenize(
        "pm_card_mastercard", customer_ref=await stripe_gateway.create_customer("c", None)
    )
    stripe_standin.update_card(card.gateway_token, exp_month=3, exp_year=2031, last4="5100")
    (automatic,) = stripe_standin.events_of("payment_method.automatically_updated")
    parsed = delivered(stripe_gateway, stripe_standin, automatic)
    assert parsed.kind is EventKind.PAYMENT_METHOD_UPDATED
    assert parsed.gateway_token == card.gateway_token
    assert parsed.method is not None
    assert (parsed.method.brand, parsed.method.last4, parsed.method.exp_month, parsed.method.exp_year) == (
        CardBrand.MASTERCARD,
        "5100",
        3,
        2031,
    )
    assert parsed.method.fingerprint == card.fingerprint
    assert card.gateway_token not in repr(parsed)

    updated = stripe_standin.event("payment_method.updated", automatic["data"]["object"])
    assert delivered(stripe_gateway, stripe_standin, updated).kind is EventKind.PAYMENT_METHOD_UPDATED

    await stripe_gateway.remove_token(card.gateway_token)
    (detached,) = stripe_standin.events_of("payment_method.detached")
    parsed = delivered(stripe_gateway, stripe_standin, detached)
    assert (parsed.kind, parsed.gateway_token) == (EventKind.PAYMENT_METHOD_DETACHED, card.gateway_token)


async def test_other_events_are_other(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    await paid(stripe_gateway, stripe_standin)
    for kind in ("customer.created", "payment_intent.created", "charge.succeeded", "payment_method.attached"):
        (event,) = stripe_standin.events_of(kind)
        parsed = delivered(stripe_gateway, stripe_standin, event)
        assert (parsed.kind, parsed.raw_type, parsed.event_id) == (EventKind.OTHER, kind, event["id"])


async def test_the_same_event_twice_has_the_same_id(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin
) -> None:
    """De-duplication is the caller's: the adapter gives it the id to do it with."""
    await paid(stripe_gateway, stripe_standin)
    (event,) = stripe_standin.events_of("payment_intent.succeeded")
    first = delivered(stripe_gateway, stripe_standin, event)
    assert delivered(stripe_gateway, stripe_standin, event).event_id == first.event_id == event["id"]


# ---- refusals ---------------------------------------------------------------------------------------


def an_event(standin: StripeStandin) -> dict[str, Any]:
    return standin.event(
        "payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", "amount": 100, "currency": "eur"}
    )


def test_a_wrong_signature_is_refused(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    payload, _ = stripe_standin.signed(an_event(stripe_standin))
    _, forged = stripe_standin.signed(an_event(stripe_standin), secret="whsec_someone_else")
    for header in (forged, "", "t=abc,v1=00", "garbage", f"t={int(time.time())}"):
        with pytest.raises(InvalidEventError):
            stripe_gateway.parse_event(payload, header)


def test_a_changed_body_is_refused(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    payload, header = stripe_standin.signed(an_event(stripe_standin))
    with pytest.raises(InvalidEventError):
        stripe_gateway.parse_event(payload.replace(b'"amount": 100', b'"amount": 999'), header)


def test_an_old_signature_is_refused_as_a_replay(stripe_gateway: StripeGateway, stripe_standin: StripeStandin) -> None:
    event = an_event(stripe_standin)
    recent, header = stripe_standin.signed(event, timestamp=int(time.time()) - 290)
    assert stripe_gateway.parse_event(recent, header).kind is EventKind.PAYMENT_SUCCEEDED
    old, header = stripe_standin.signed(event, timestamp=int(time.time()) - 310)
    with pytest.raises(InvalidEventError):
        stripe_gateway.parse_event(old, header)


def test_the_replay_window_is_configurable(stripe_standin: StripeStandin) -> None:
    gateway = StripeGateway(
        secret_key="sk_test_x", webhook_secret=stripe_standin.webhook_secret, webhook_tolerance_seconds=30
    )
    payload, header = stripe_standin.signed(an_event(stripe_standin), timestamp=int(time.time()) - 60)
    with pytest.raises(InvalidEventError):
        gateway.parse_event(payload, header)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "event"}',
        b'{"object": "charge", "id": "evt_1", "type": "x", "created": 1, "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "payment_intent.succeeded", "created": 1, "data": {}}',
        b'{"object": "event", "id": "evt_1", "type": "payment_intent.succeeded", "created": "x", "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "x", "created": 100000000000000000000, "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "x", "created": -1e300, "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "x", "created": 1000000000000, "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "x", "created": NaN, "data": {"object": {}}}',
        b'{"object": "event", "id": "", "type": "x", "created": 1, "data": {"object": {}}}',
        b'{"object": "event", "id": "evt_1", "type": "payment_method.updated", "created": 1, '
        b'"data": {"object": {"id": "pm_1", "type": "klarna"}}}',
    ],
)
def test_malformed_bodies_are_refused(
    stripe_gateway: StripeGateway, stripe_standin: StripeStandin, body: bytes
) -> None:
    from stripe import WebhookSignature

    header = WebhookSignature.generate_signature_header(body.decode(errors="replace"), stripe_standin.webhook_secret)
    with pytest.raises(InvalidEventError):
        stripe_gateway.parse_event(body, str(header))


def test_without_a_webhook_secret_nothing_is_believed(stripe_standin: StripeStandin) -> None:
    gateway = StripeGateway(secret_key="sk_test_x")
    payload, header = stripe_standin.signed(an_event(stripe_standin))
    with pytest.raises(GatewayConfigurationError):
        gateway.parse_event(payload, header)


def test_signed_payload_is_the_json_of_the_event(stripe_standin: StripeStandin) -> None:
    event = an_event(stripe_standin)
    payload, header = stripe_standin.signed(event)
    assert json.loads(payload) == event
    assert header.startswith("t=")
    assert ",v1=" in header
