"""Receiving returned goods: refunds to the card through the gateway, to the store-credit ledger, exchanges,
failures and retries, and the order's timeline and payments afterwards."""

import uuid
from decimal import Decimal
from typing import Any

import pytest

from app.payments.gateway import GatewayUnavailableError, PaymentDeclinedError, Refund
from app.runtime import Runtime
from app.services import returns
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.gateways import BOTH_GATEWAYS, TestCards
from tests.payments.test_store_credit import ADJUST, assert_consistent, credit_pay, ledger, me
from tests.returns.helpers import (
    CLOSE,
    ORDER_NODE,
    RECEIVE,
    REJECT,
    RETRY,
    RETURN_NODE,
    act,
    card_paid_order,
    codes,
    deliver,
    delivered_order,
    request_input,
    requested,
    warehouse_key,
)
from tests.support import Api, Caller, Mailbox, text_body


class FlakyRefunds:
    """The gateway, except that the first `failures` refunds get no answer."""

    def __init__(self, inner: Any, failures: int) -> None:
        self.inner, self.failures, self.calls = inner, failures, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise GatewayUnavailableError("timeout")
        result: Refund = await self.inner.refund(charge_id, amount, idempotency_key=idempotency_key)
        return result


def refunded_at_gateway(rt: Runtime) -> int:
    return sum(rt.gateway._refunded.values())  # type: ignore[union-attr]


@BOTH_GATEWAYS
async def test_card_refund_through_the_gateway_in_parts(
    api: Api, rt: Runtime, customer: Caller, mailbox: Mailbox, test_cards: TestCards
) -> None:
    order = await card_paid_order(api, rt, customer, test_cards["tok_visa"])
    first = await requested(api, customer, request_input(order, 1))
    assert (first["status"], first["refundDestination"]) == ("APPROVED", "ORIGINAL_PAYMENT")
    key = await warehouse_key(rt)
    received = (await act(api, key, RECEIVE, returnId=first["id"], note="Box dented"))["return"]
    assert received["status"] == "REFUNDED"
    assert received["refundedAmount"]["amount"] == "16.46"
    assert received["refunds"] == [
        {
            "destination": "ORIGINAL_PAYMENT",
            "status": "SUCCEEDED",
            "amount": {"amount": "16.46"},
            "method": "Visa •••• 4242",
            "failureCode": None,
        }
    ]
    assert test_cards.refunded(rt) == 1646
    mail = await mailbox.wait_for(customer.customer.email, f"Return {first['number']} refunded")
    assert "16.46 EUR" in text_body(mail)
    node = (await api.ok(ORDER_NODE, {"id": order["id"]}, token=customer.token))["node"]
    # A partial refund: the order and its payment stay as they were; the timeline tells of the refund.
    assert node["status"] == "DELIVERED"
    assert [p["status"] for p in node["payments"]] == ["SUCCEEDED"]
    assert any(
        e["note"] == f"Return {first['number']}: 16.46 EUR refunded (16.46 EUR to Visa •••• 4242)"
        and e["fromStatus"] == "DELIVERED"
        for e in node["timeline"]
        if e["note"]
    )
    # Receiving it twice is refused and pays nothing more.
    assert codes(await act(api, key, RECEIVE, returnId=first["id"])) == ["INVALID_TRANSITION"]
    second = await requested(api, customer, request_input(order, 1, 1))
    assert (await act(api, key, RECEIVE, returnId=second["id"]))["return"]["status"] == "REFUNDED"
    assert test_cards.refunded(rt) == 1646 + 1647 + 2961
    # The order system now refunds the whole order: only what the returns left is given back.
    orders = await order_key(rt, "orders again")
    moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "REFUNDED"}}, token=orders)
    assert moved["updateOrderStatus"]["userErrors"] == []
    node = (await api.ok(ORDER_NODE, {"id": order["id"]}, token=customer.token))["node"]
    charged = int(Decimal(node["payments"][0]["amount"]["amount"]) * 100)
    assert test_cards.refunded(rt) == charged
    assert [p["status"] for p in node["payments"]] == ["REFUNDED"]


async def test_refund_to_store_credit_lands_in_the_ledger(
    api: Api, rt: Runtime, customer: Caller, staff: Caller
) -> None:
    order = await card_paid_order(api, rt, customer)
    chosen = await requested(api, customer, request_input(order, 0, 1, resolution="STORE_CREDIT"))
    assert chosen["refundDestination"] == "STORE_CREDIT"
    done = (await act(api, staff.token, RECEIVE, returnId=chosen["id"]))["return"]
    assert done["status"] == "REFUNDED"
    assert [r["destination"] for r in done["refunds"]] == ["STORE_CREDIT"]
    assert refunded_at_gateway(rt) == 0  # the card is not touched
    data = await me(api, customer)
    assert assert_consistent(data) == Decimal("29.61")
    entry = ledger(data)[0]
    assert (entry["reason"], entry["reference"], entry["amount"]["amount"]) == (
        "REFUND",
        f"return {chosen['number']}",
        "29.61",
    )
    closed = (await act(api, staff.token, CLOSE, returnId=chosen["id"]))["return"]
    assert closed["status"] == "CLOSED"
    assert closed["closedAt"] is not None
    assert codes(await act(api, staff.token, CLOSE, returnId=chosen["id"])) == ["INVALID_TRANSITION"]
    # The whole order is refunded later: the card gets back what the store credit did not already cover.
    orders = await order_key(rt, "orders later")
    moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order["id"], "status": "REFUNDED"}}, token=orders)
    assert moved["updateOrderStatus"]["userErrors"] == []
    node = (await api.ok(ORDER_NODE, {"id": order["id"]}, token=customer.token))["node"]
    charged = int(Decimal(node["payments"][0]["amount"]["amount"]) * 100)
    assert refunded_at_gateway(rt) == charged - 2961


async def test_an_order_paid_on_store_credit_is_refunded_to_it(
    api: Api, rt: Runtime, customer: Caller, admin: Caller
) -> None:
    granted = await act(api, admin.token, ADJUST, customerId=customer.gid, amount="200.00", note="Welcome")
    assert granted["userErrors"] == [], granted
    key = await order_key(rt, "orders")
    order_id = (await push(api, key, order_input(uuid.uuid4().hex[:8], customer.customer.email)))["order"]["id"]
    paid = await credit_pay(api, customer, order_id)
    assert paid["userErrors"] == [], paid
    await deliver(api, key, order_id)
    order = (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]
    before = assert_consistent(await me(api, customer))
    back = await requested(api, customer, request_input(order, 2, 1))
    assert back["refundDestination"] == "ORIGINAL_PAYMENT"
    done = (await act(api, admin.token, RECEIVE, returnId=back["id"]))["return"]
    assert done["status"] == "REFUNDED"
    assert [(r["method"], r["amount"]["amount"]) for r in done["refunds"]] == [("Store credit", "62.54")]
    data = await me(api, customer)
    assert assert_consistent(data) == before + Decimal("62.54")
    assert ledger(data)[0]["reference"] == f"return {back['number']}"


@BOTH_GATEWAYS
async def test_a_failed_card_refund_waits_and_is_retried_once(
    api: Api,
    rt: Runtime,
    customer: Caller,
    staff: Caller,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    test_cards: TestCards,
) -> None:
    order = await card_paid_order(api, rt, customer, test_cards["tok_visa"])
    inner = rt.gateway
    flaky = FlakyRefunds(inner, failures=2)
    monkeypatch.setattr(rt, "gateway", flaky)
    back = await requested(api, customer, request_input(order, 1))
    received = (await act(api, staff.token, RECEIVE, returnId=back["id"]))["return"]
    assert received["status"] == "RECEIVED"
    assert received["refundFailure"]["code"] == "GATEWAY_UNAVAILABLE"
    assert [r["status"] for r in received["refunds"]] == ["FAILED"]
    await mailbox.wait_for(rt.settings.support_email, f"Return {back['number']} could not be refunded")
    await mailbox.wait_for(customer.customer.email, f"Return {back['number']} arrived")
    # Waiting for its money: it cannot be closed.
    assert codes(await act(api, staff.token, CLOSE, returnId=back["id"])) == ["INVALID_TRANSITION"]
    # The background job's round fails again; staff's retry goes through under the same key.
    assert await returns.retry_failed_refunds(rt) == 1
    retried = (await act(api, staff.token, RETRY, returnId=back["id"]))["return"]
    assert retried["status"] == "REFUNDED"
    assert retried["refundFailure"] is None
    assert [r["status"] for r in retried["refunds"]] == ["SUCCEEDED"]
    assert flaky.calls == 3
    monkeypatch.setattr(rt, "gateway", inner)
    assert test_cards.refunded(rt) == 1646
    assert codes(await act(api, staff.token, RETRY, returnId=back["id"])) == ["NOTHING_TO_RETRY"]
    assert await returns.retry_failed_refunds(rt) == 0


class RefusingRefunds(FlakyRefunds):
    """Every refund is declined for good."""

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        self.calls += 1
        raise PaymentDeclinedError("refund_exceeds_charge", "no")


async def test_a_refused_card_refund_can_be_paid_as_store_credit(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await card_paid_order(api, rt, customer)
    monkeypatch.setattr(rt, "gateway", FlakyRefunds(rt.gateway, failures=1))
    unsure = await requested(api, customer, request_input(order, 1))
    assert (await act(api, staff.token, RECEIVE, returnId=unsure["id"]))["return"]["status"] == "RECEIVED"
    # A timeout may have refunded it: it can only be retried, not paid a second way.
    assert codes(await act(api, staff.token, RETRY, returnId=unsure["id"], toStoreCredit=True)) == [
        "REFUND_OUTCOME_UNKNOWN"
    ]
    monkeypatch.setattr(rt, "gateway", RefusingRefunds(rt.gateway, failures=0))
    refused = await requested(api, customer, request_input(order, 0, 1))
    received = (await act(api, staff.token, RECEIVE, returnId=refused["id"]))["return"]
    assert received["refundFailure"]["code"] == "refund_exceeds_charge"
    credited = (await act(api, staff.token, RETRY, returnId=refused["id"], toStoreCredit=True))["return"]
    assert (credited["status"], credited["refundDestination"]) == ("REFUNDED", "STORE_CREDIT")
    assert [(r["destination"], r["status"]) for r in credited["refunds"]] == [
        ("ORIGINAL_PAYMENT", "CANCELLED"),
        ("STORE_CREDIT", "SUCCEEDED"),
    ]
    data = await me(api, customer)
    assert assert_consistent(data) == Decimal("29.61")
    assert ledger(data)[0]["reference"] == f"return {refused['number']}"
    assert codes(await act(api, staff.token, RETRY, returnId=refused["id"], toStoreCredit=True)) == ["NOTHING_TO_RETRY"]


async def test_an_exchange_moves_no_money(api: Api, rt: Runtime, customer: Caller, staff: Caller) -> None:
    order = await card_paid_order(api, rt, customer)
    swap = await requested(api, customer, request_input(order, 0, 1, resolution="EXCHANGE", reason="SIZE_OR_FIT"))
    assert (swap["refundDestination"], swap["refundTotal"]["amount"]) == ("NONE", "0.00")
    received = (await act(api, staff.token, RECEIVE, returnId=swap["id"]))["return"]
    assert (received["status"], received["refunds"]) == ("RECEIVED", [])
    assert (await act(api, staff.token, CLOSE, returnId=swap["id"]))["return"]["status"] == "CLOSED"
    assert refunded_at_gateway(rt) == 0


async def test_transitions_out_of_order_are_refused(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = await delivered_order(api, rt, customer)
    waiting = await requested(api, customer, request_input(order, 1))
    for mutation in (RECEIVE, CLOSE, RETRY):
        payload = await act(api, staff.token, mutation, returnId=waiting["id"])
        assert codes(payload) in (["INVALID_TRANSITION"], ["NOTHING_TO_RETRY"]), payload
    missing = await act(api, staff.token, RECEIVE, returnId="UmV0dXJuOnh4")
    assert codes(missing) == ["NOT_FOUND"]
    node = (await api.ok(RETURN_NODE, {"id": waiting["id"]}, token=customer.token))["node"]
    assert node["status"] == "REQUESTED"


async def test_re_pushing_the_order_keeps_returned_lines(
    api: Api, rt: Runtime, customer: Caller, staff: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await order_key(rt, "orders")
    external = uuid.uuid4().hex[:8]
    value = order_input(external, customer.customer.email, status="DELIVERED")
    order_id = (await push(api, key, value))["order"]["id"]
    order = (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]
    back = await requested(api, customer, request_input(order, 2))
    # The same order again (the order system re-sends it): fine, and the line keeps its id.
    again = await push(api, key, {**value, "shippingTotal": "0.00"})
    assert again["userErrors"] == []
    node = (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]
    assert node["lines"][0]["id"] == order["lines"][0]["id"]
    # Dropping the returned line, or selling fewer than were returned, is refused with nothing changed.
    dropped = await push(api, key, {**value, "lines": value["lines"][1:]})
    assert [e["code"] for e in dropped["userErrors"]] == ["LINE_RETURNED"]
    fewer = [{**value["lines"][0], "quantity": 1, "taxAmount": "2.76"}, value["lines"][1]]
    assert [e["code"] for e in (await push(api, key, {**value, "lines": fewer}))["userErrors"]] == ["LINE_RETURNED"]
    # A rejected return still names its line: re-sending keeps the row (and the rejected quantity is free).
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)
    order = (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]
    shirt = await requested(api, customer, request_input(order, 0, 1))
    assert (await act(api, staff.token, REJECT, returnId=shirt["id"], reason="Worn"))["return"]["status"] == "REJECTED"
    assert (await push(api, key, value))["userErrors"] == []
    assert (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]["lines"][1]["id"] == order[
        "lines"
    ][1]["id"]
    after = (await api.ok(RETURN_NODE, {"id": back["id"]}, token=customer.token))["node"]
    assert after["lines"][0]["orderLineId"] == order["lines"][0]["id"]
    assert [
        line["quantity"] for line in (await api.ok(ORDER_NODE, {"id": order_id}, token=customer.token))["node"]["lines"]
    ] == [2, 1]


class CreditingMeanwhile(FlakyRefunds):
    """The gateway, except that before its first refund staff pay the same refund as store credit (the other
    request, landing while this one is on its way to the gateway)."""

    def __init__(self, inner: Any, api: Api, token: str, return_id: str) -> None:
        super().__init__(inner, failures=0)
        self.api, self.token, self.return_id = api, token, return_id
        self.meanwhile: list[list[str]] = []

    async def refund(self, charge_id: str, amount: int, *, idempotency_key: str) -> Refund:
        if not self.meanwhile:
            answer = await act(self.api, self.token, RETRY, returnId=self.return_id, toStoreCredit=True)
            self.meanwhile.append(codes(answer))
        return await super().refund(charge_id, amount, idempotency_key=idempotency_key)


@pytest.mark.parametrize("credit_first", [False, True], ids=["retry-first", "credit-first"])
async def test_a_retry_and_a_credit_instead_at_once_pay_the_refund_once(
    api: Api,
    rt: Runtime,
    customer: Caller,
    staff: Caller,
    test_cards: TestCards,
    monkeypatch: pytest.MonkeyPatch,
    credit_first: bool,
) -> None:
    order = await card_paid_order(api, rt, customer)
    inner = rt.gateway
    monkeypatch.setattr(rt, "gateway", RefusingRefunds(inner, failures=0))
    refused = await requested(api, customer, request_input(order, 0, 1))
    assert (await act(api, staff.token, RECEIVE, returnId=refused["id"]))["return"]["refundFailure"] is not None
    before = test_cards.refunded(rt)
    if credit_first:
        # The retry read the failed refund, then the credit-instead paid it before the retry reached the gateway.
        unfinished = returns._unfinished

        async def read_then_credited(*args: Any) -> Any:
            found = await unfinished(*args)
            credited = await act(api, staff.token, RETRY, returnId=refused["id"], toStoreCredit=True)
            assert codes(credited) == []
            return found

        monkeypatch.setattr(rt, "gateway", inner)
        monkeypatch.setattr(returns, "_unfinished", read_then_credited)
        await act(api, staff.token, RETRY, returnId=refused["id"])
        monkeypatch.setattr(returns, "_unfinished", unfinished)
        destination = "STORE_CREDIT"
    else:
        # The retry is on its way to the gateway when the credit-instead arrives: that one has nothing to pay.
        gateway = CreditingMeanwhile(inner, api, staff.token, refused["id"])
        monkeypatch.setattr(rt, "gateway", gateway)
        await act(api, staff.token, RETRY, returnId=refused["id"])
        assert gateway.meanwhile == [["NOTHING_TO_RETRY"]]
        destination = "ORIGINAL_PAYMENT"
    monkeypatch.setattr(rt, "gateway", inner)
    final = await act(api, staff.token, RETRY, returnId=refused["id"])
    assert codes(final) == ["NOTHING_TO_RETRY"]
    node = (await api.ok(RETURN_NODE, {"id": refused["id"]}, token=staff.token))["node"]
    assert node["status"] == "REFUNDED"
    succeeded = [r["destination"] for r in node["refunds"] if r["status"] == "SUCCEEDED"]
    assert succeeded == [destination]
    assert test_cards.refunded(rt) - before == (0 if credit_first else 2961)
    data = await me(api, customer)
    assert assert_consistent(data) == (Decimal("29.61") if credit_first else Decimal("0.00"))
