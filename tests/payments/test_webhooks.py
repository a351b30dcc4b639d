"""POST /webhooks/payments: signed gateway events, each acted on exactly once (sandbox-signed here; the
Stripe adapter's own signatures are tested against the Stripe stand-in)."""

import asyncio
import json
import time
import uuid
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import func, select
from sqlmodel import col

from app.payments.sandbox import SandboxGateway
from app.runtime import Runtime
from models.payment import GatewayEventRecord, Payment, PaymentMethod
from tests.payments.helpers import MY_METHODS
from tests.payments.test_authentication import _pay
from tests.payments.test_payments import card, order_state, unpaid_order
from tests.support import Api, Caller

DISPUTES = """query($id: ID!) { node(id: $id) { ... on Order { payments { status
  gatewayRefunded { amount } disputes { amount { amount currencyCode } reason status } } } } }"""


def _body(kind: str, event_id: str | None = None, **data: Any) -> bytes:
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "type": kind, "created": int(time.time()), "data": data}
    return json.dumps(event).encode()


async def _send(client: AsyncClient, rt: Runtime, body: bytes, signature: str | None = None) -> Response:
    assert isinstance(rt.gateway, SandboxGateway)
    header = rt.gateway.sign(body) if signature is None else signature
    return await client.post("/webhooks/payments", content=body, headers={"stripe-signature": header})


async def _charge_id(rt: Runtime, payment_gid: str) -> str:
    from schema.types.base import decode_global_id

    async with rt.db.read() as session:
        payment = await session.get(Payment, decode_global_id(payment_gid, "Payment"))
        assert payment is not None
        assert payment.gateway_charge_id is not None
        return payment.gateway_charge_id


async def test_a_succeeded_event_settles_a_processing_debit_once(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "hook-key-0001", await card(api, customer, "tok_sepa_debit"))
    charge_id = await _charge_id(rt, started["payment"]["id"])
    body = _body("payment_succeeded", "evt_settle_1", charge_id=charge_id)
    answers = await asyncio.gather(*(_send(client, rt, body) for _ in range(4)))  # delivered four times at once
    assert [answer.status_code for answer in answers] == [200] * 4
    assert sorted(answer.json()["duplicate"] for answer in answers) == [False, True, True, True]
    state = await order_state(api, customer, order["id"])
    assert state["status"] == "PAID"
    assert [p["status"] for p in state["payments"]] == ["SUCCEEDED"]
    later = await _send(client, rt, body)  # a replay days later, freshly signed: still only once
    assert later.json() == {"received": True, "duplicate": True}
    async with rt.db.read() as session:
        recorded = await session.scalar(select(func.count()).where(col(GatewayEventRecord.event_id) == "evt_settle_1"))
    assert recorded == 1


async def test_a_failed_event_declines_a_processing_debit(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    started = await _pay(api, customer, order["id"], "hook-key-0002", await card(api, customer, "tok_sepa_debit"))
    charge_id = await _charge_id(rt, started["payment"]["id"])
    body = _body("payment_failed", charge_id=charge_id, reason_code="insufficient_funds", message="No money.")
    assert (await _send(client, rt, body)).status_code == 200
    payments = (await order_state(api, customer, order["id"]))["payments"]
    assert [(p["status"], p["failureCode"]) for p in payments] == [("DECLINED", "insufficient_funds")]
    succeeded_late = _body("payment_succeeded", charge_id=charge_id)  # money taken after all: settled
    assert (await _send(client, rt, succeeded_late)).status_code == 200
    assert (await order_state(api, customer, order["id"]))["status"] == "PAID"


async def test_forged_old_and_malformed_events_are_refused(client: AsyncClient, rt: Runtime) -> None:
    body = _body("payment_succeeded", charge_id="sbx_ch_1")
    assert isinstance(rt.gateway, SandboxGateway)
    old = rt.gateway.sign(body, int(time.time()) - 3600)
    for signature in ("", "t=1,v1=abc", old, rt.gateway.sign(body).replace("v1=", "v1=0")):
        refused = await _send(client, rt, body, signature)
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_SIGNATURE"
    tampered = await _send(client, rt, body.replace(b"sbx_ch_1", b"sbx_ch_2"), rt.gateway.sign(body))
    assert tampered.status_code == 400
    for junk in (b"", b"[]", b"{", "ü".encode()):
        assert (await _send(client, rt, junk)).status_code == 400
    # Hand-made headers and signed bodies with times no clock has: refused, never a 500.
    for signature in ("t=" + "9" * 5000 + ",v1=abc", "t=" + "9" * 40 + ",v1=abc", "t=-1,v1=abc", "t=1e9,v1=abc"):
        refused = await _send(client, rt, body, signature)
        assert (refused.status_code, refused.json()["errors"][0]["extensions"]["code"]) == (400, "INVALID_SIGNATURE")
    for created in (10**20, -(10**20), 10**12):
        event = {"id": "evt_far", "type": "payment_succeeded", "created": created, "data": {"charge_id": "sbx_ch_1"}}
        assert (await _send(client, rt, json.dumps(event).encode())).status_code == 400
    assert (await client.get("/webhooks/payments")).status_code == 405
    async with rt.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(GatewayEventRecord)) == 0


async def test_an_event_for_a_charge_we_do_not_know_is_acknowledged(client: AsyncClient, rt: Runtime) -> None:
    answer = await _send(client, rt, _body("payment_succeeded", charge_id="sbx_ch_unknown"))
    assert answer.json() == {"received": True, "duplicate": False}


async def test_disputes_and_outside_refunds_are_visible_to_staff_only(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    order = await unpaid_order(api, rt, customer.customer.email)
    paid = await _pay(api, customer, order["id"], "hook-key-0003", await card(api, customer))
    charge_id = await _charge_id(rt, paid["payment"]["id"])
    opened = _body(
        "dispute_opened",
        charge_id=charge_id,
        dispute_id="dp_1",
        amount=500,
        currency="eur",
        reason="fraudulent",
        dispute_status="needs_response",
    )
    updated = _body("dispute_updated", charge_id=charge_id, dispute_id="dp_1", dispute_status="won")
    refunded = _body("payment_refunded", charge_id=charge_id, refund_id="re_1", amount=300, currency="EUR")
    for body in (opened, updated, refunded):
        assert (await _send(client, rt, body)).status_code == 200
    seen = (await api.ok(DISPUTES, {"id": order["id"]}, token=staff.token))["node"]["payments"][0]
    assert seen["disputes"] == [
        {"amount": {"amount": "5.00", "currencyCode": "EUR"}, "reason": "fraudulent", "status": "won"}
    ]
    assert seen["gatewayRefunded"] == {"amount": "3.00"}
    own = (await api.ok(DISPUTES, {"id": order["id"]}, token=customer.token))["node"]["payments"][0]
    assert (own["disputes"], own["gatewayRefunded"]) == ([], None)


async def test_card_updates_and_detachments_reach_saved_methods(
    api: Api, client: AsyncClient, rt: Runtime, customer: Caller
) -> None:
    first = await card(api, customer, "tok_visa")
    await card(api, customer, "tok_mastercard")
    async with rt.db.read() as session:
        from schema.types.base import decode_global_id

        method = await session.get(PaymentMethod, decode_global_id(first, "PaymentMethod"))
        assert method is not None
        assert method.token_encrypted is not None
        from app.services.payment_methods import token_context

        token = rt.keyring.decrypt(method.token_encrypted, context=token_context(method.id))
    assert token not in str(method.token_lookup)
    updated = _body("payment_method_updated", gateway_token=token)
    assert (await _send(client, rt, updated)).status_code == 200  # no details: nothing changes
    detached = _body("payment_method_detached", gateway_token=token)
    assert (await _send(client, rt, detached)).status_code == 200
    methods = (await api.ok(MY_METHODS, token=customer.token))["me"]["paymentMethods"]
    assert [(m["brand"], m["isDefault"]) for m in methods] == [("MASTERCARD", True)]
