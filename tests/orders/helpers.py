"""Pushing orders through the integration API, as the order system would."""

from typing import Any

from app.runtime import Runtime
from app.services.service_accounts import create_service_account
from tests.support import Api

ERRORS = "userErrors { field message code }"
ORDER_FIELDS = """id number status channel placedAt currencyCode isGuestOrder
  subtotal { amount currencyCode } discountTotal { amount } shippingTotal { amount } taxTotal { amount }
  total { amount currencyCode }
  billingAddress { firstName line1 city postalCode countryCode }
  lines { sku name quantity unitPrice { amount } taxRate taxAmount { amount } total { amount } }
  timeline { fromStatus status note at }"""
UPSERT_ORDER = f"""mutation($i: UpsertOrderInput!) {{ upsertOrder(input: $i) {{
  order {{ {ORDER_FIELDS} }} created {ERRORS} }} }}"""
UPDATE_STATUS = f"""mutation($i: UpdateOrderStatusInput!) {{ updateOrderStatus(input: $i) {{
  order {{ id status timeline {{ fromStatus status note }} }} {ERRORS} }} }}"""
MY_ORDERS = """query($first: Int, $after: String, $filter: OrderFilter) { me { orders(first: $first, after: $after, filter: $filter) {
  edges { node { number status total { amount } lines { sku } } } pageInfo { hasNextPage endCursor } } } }"""


async def order_key(rt: Runtime, name: str = "order system") -> str:
    return (await create_service_account(rt, name, ["orders:write"])).api_key


def order_input(external_id: str, email: str | None = None, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "source": "webshop",
        "externalId": external_id,
        "number": f"#{external_id}",
        "currencyCode": "EUR",
        "placedAt": "2026-11-20T10:00:00+00:00",
        "lines": [
            {
                "sku": "MUG-001",
                "name": "Mug",
                "quantity": 2,
                "unitPrice": "14.50",
                "taxRate": "19",
                "taxAmount": "5.51",
            },
            {
                "sku": "TEE-1",
                "name": "T-shirt",
                "quantity": 1,
                "unitPrice": "29.00",
                "taxRate": "7",
                "taxAmount": "2.03",
            },
        ],
        "shippingTotal": "4.90",
        "discountTotal": "3.00",
        "billingAddress": {
            "firstName": "Casey",
            "line1": "Hauptstr. 1",
            "city": "Berlin",
            "postalCode": "10115",
            "countryCode": "DE",
        },
    }
    if email is not None:
        value["email"] = email
    value.update(changes)
    return value


async def push(api: Api, key: str, value: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(UPSERT_ORDER, {"i": value}, token=key))["upsertOrder"]
    return payload
