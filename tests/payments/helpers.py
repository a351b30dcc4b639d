"""Saving cards and paying through the API, as a storefront would."""

from typing import Any

from tests.support import Api

ERRORS = "userErrors { field message code }"
METHOD_FIELDS = "id brand last4 expMonth expYear expiresSoon isExpired isDefault billingAddress { city }"
ADD_METHOD = f"""mutation($i: AddPaymentMethodInput!) {{ addPaymentMethod(input: $i) {{
  paymentMethod {{ {METHOD_FIELDS} }} {ERRORS} }} }}"""
REMOVE_METHOD = f"""mutation($i: PaymentMethodIdInput!) {{ removePaymentMethod(input: $i) {{
  removedPaymentMethodId {ERRORS} }} }}"""
SET_DEFAULT = f"""mutation($i: PaymentMethodIdInput!) {{ setDefaultPaymentMethod(input: $i) {{
  paymentMethod {{ id isDefault }} {ERRORS} }} }}"""
MY_METHODS = f"{{ me {{ paymentMethods {{ {METHOD_FIELDS} }} }} }}"
PAYMENT_FIELDS = """replayed payment { id status source method amount { amount currencyCode } receiptNumber receiptUrl
  failureCode failureMessage } invoice { id number status amountDue { amount } amountPaid { amount } downloadUrl }"""
PAY_ORDER = f"mutation($i: PayOrderInput!) {{ payOrder(input: $i) {{ {PAYMENT_FIELDS} {ERRORS} }} }}"
PAY_INVOICE = f"mutation($i: PayInvoiceInput!) {{ payInvoice(input: $i) {{ {PAYMENT_FIELDS} {ERRORS} }} }}"
ORDER_PAYMENTS = """query($id: ID!) { node(id: $id) { ... on Order { status
  invoice { id number status amountDue { amount } downloadUrl }
  payments { status method failureCode amount { amount } receiptNumber } } } }"""


async def save_card(api: Api, token: str, gateway_token: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(ADD_METHOD, {"i": {"gatewayToken": gateway_token, **extra}}, token=token))[
        "addPaymentMethod"
    ]
    return payload


async def pay_order(api: Api, token: str, order_id: str, key: str, **source: Any) -> dict[str, Any]:
    variables = {"i": {"orderId": order_id, "idempotencyKey": key, **source}}
    payload: dict[str, Any] = (await api.ok(PAY_ORDER, variables, token=token))["payOrder"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]
