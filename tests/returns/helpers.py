"""Delivered orders to return, and the return mutations as the storefront, staff and warehouse send them."""

import uuid
from datetime import timedelta
from typing import Any

from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from models.base import utcnow
from tests.orders.helpers import UPDATE_STATUS, order_input, order_key, push
from tests.payments.helpers import pay_order, save_card
from tests.support import Api, Caller

ERRORS = "userErrors { field message code }"
MONEY = "amount currencyCode"
RETURN_FIELDS = f"""id number status resolution decisionReason refundDestination currencyCode
  subtotal {{ {MONEY} }} taxTotal {{ amount }} restockingFee {{ amount }} shippingDeduction {{ amount }}
  refundTotal {{ {MONEY} }} refundedAmount {{ amount }} note staffNote rejectionReason
  createdAt approvedAt rejectedAt receivedAt refundedAt closedAt slipUrl
  refundFailure {{ code message }}
  lines {{ orderLineId sku name quantity reason amount {{ amount }} taxAmount {{ amount }} }}
  refunds {{ destination status amount {{ amount }} method failureCode }}
  order {{ id number }} customer {{ id }}"""
PAYLOAD = f"return {{ {RETURN_FIELDS} }} {ERRORS}"
REQUEST = f"mutation($i: RequestReturnInput!) {{ requestReturn(input: $i) {{ {PAYLOAD} }} }}"
CALCULATE = f"""query($i: RequestReturnInput!) {{ returnCalculate(input: $i) {{ calculation {{
  currencyCode subtotal {{ amount }} taxTotal {{ amount }} restockingFee {{ amount }} shippingDeduction {{ amount }}
  refundTotal {{ {MONEY} }} refundDestination returnableUntil
  lines {{ orderLineId sku quantity reason amount {{ amount }} taxAmount {{ amount }} returnableQuantity }} }}
  {ERRORS} }} }}"""
APPROVE = f"mutation($i: ApproveReturnInput!) {{ approveReturn(input: $i) {{ {PAYLOAD} }} }}"
REJECT = f"mutation($i: RejectReturnInput!) {{ rejectReturn(input: $i) {{ {PAYLOAD} }} }}"
RECEIVE = f"mutation($i: MarkReturnReceivedInput!) {{ markReturnReceived(input: $i) {{ {PAYLOAD} }} }}"
RETRY = f"mutation($i: RetryReturnRefundInput!) {{ retryReturnRefund(input: $i) {{ {PAYLOAD} }} }}"
CLOSE = f"mutation($i: ReturnIdInput!) {{ closeReturn(input: $i) {{ {PAYLOAD} }} }}"
MY_RETURNS = """query($filter: CustomerReturnFilter) { me { returns(filter: $filter) {
  edges { node { id number status lines { sku quantity } } } } } }"""
STAFF_RETURNS = """query($filter: ReturnFilter) { returns(filter: $filter) {
  edges { node { id number status decisionReason customer { id } } } } }"""
ORDER_NODE = """query($id: ID!) { node(id: $id) { ... on Order { id number status
  lines { id sku quantity } timeline { fromStatus status note }
  returns { id number status } payments { status amount { amount } } } } }"""
RETURN_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Return {{ {RETURN_FIELDS} }} }} }}"


async def delivered_order(
    api: Api, rt: Runtime, caller: Caller, *, days_ago: float = 1, **changes: Any
) -> dict[str, Any]:
    """An order pushed as DELIVERED `days_ago` days ago (paid elsewhere: nothing was paid here)."""
    placed = (utcnow() - timedelta(days=days_ago)).isoformat()
    value = order_input(
        uuid.uuid4().hex[:10], caller.customer.email, **{"status": "DELIVERED", "placedAt": placed, **changes}
    )
    payload = await push(api, await order_key(rt, f"orders {uuid.uuid4().hex}"), value)
    assert payload["userErrors"] == [], payload
    order: dict[str, Any] = (await api.ok(ORDER_NODE, {"id": payload["order"]["id"]}, token=caller.token))["node"]
    return order


async def deliver(api: Api, key: str, order_id: str) -> None:
    for status in ("PROCESSING", "SHIPPED", "DELIVERED"):
        moved = await api.ok(UPDATE_STATUS, {"i": {"orderId": order_id, "status": status}}, token=key)
        assert moved["updateOrderStatus"]["userErrors"] == [], moved


async def card_paid_order(
    api: Api, rt: Runtime, caller: Caller, gateway_token: str = "tok_visa", **changes: Any
) -> dict[str, Any]:
    """An order the customer paid here with a card (`gateway_token`: a sandbox token, or the running
    gateway's from the `test_cards` fixture), then delivered."""
    key = await order_key(rt, f"orders {uuid.uuid4().hex}")
    payload = await push(api, key, order_input(uuid.uuid4().hex[:10], caller.customer.email, **changes))
    order_id = payload["order"]["id"]
    saved = await save_card(api, caller.token, gateway_token)
    paid = await pay_order(
        api, caller.token, order_id, f"pay-{uuid.uuid4().hex}", paymentMethodId=saved["paymentMethod"]["id"]
    )
    assert paid["userErrors"] == [], paid
    await deliver(api, key, order_id)
    order: dict[str, Any] = (await api.ok(ORDER_NODE, {"id": order_id}, token=caller.token))["node"]
    return order


def lines_of(order: dict[str, Any], *quantities: int, reason: str = "DAMAGED") -> list[dict[str, Any]]:
    """Return `quantities[i]` of the order's i-th line (0 leaves it out)."""
    return [
        {"orderLineId": line["id"], "quantity": quantity, "reason": reason}
        for line, quantity in zip(order["lines"], quantities, strict=False)
        if quantity
    ]


def request_input(order: dict[str, Any], *quantities: int, resolution: str = "REFUND", **extra: Any) -> dict[str, Any]:
    reason = extra.pop("reason", "DAMAGED")
    return {
        "orderId": order["id"],
        "lines": lines_of(order, *quantities, reason=reason),
        "resolution": resolution,
        **extra,
    }


async def request(api: Api, caller: Caller, value: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(REQUEST, {"i": value}, token=caller.token))["requestReturn"]
    return payload


async def requested(api: Api, caller: Caller, value: dict[str, Any]) -> dict[str, Any]:
    payload = await request(api, caller, value)
    assert payload["userErrors"] == [], payload
    found: dict[str, Any] = payload["return"]
    return found


async def calculate(api: Api, caller: Caller, value: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(CALCULATE, {"i": value}, token=caller.token))["returnCalculate"]
    return payload


async def act(api: Api, token: str, mutation: str, **value: Any) -> dict[str, Any]:
    data = await api.ok(mutation, {"i": value}, token=token)
    payload: dict[str, Any] = next(iter(data.values()))
    return payload


async def warehouse_key(rt: Runtime) -> str:
    return (await create_service_account(rt, f"warehouse {uuid.uuid4().hex[:6]}", ["returns:write"])).api_key


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]
