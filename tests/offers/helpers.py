"""Writing offers as staff and acting on them as the customer, through the API."""

from datetime import datetime, timedelta
from typing import Any

from models.base import utcnow
from tests.support import Api, Caller

ERRORS = "userErrors { field message code }"
ORDER_FIELDS = """id number status total { amount currencyCode } lines { sku name quantity unitPrice { amount }
  taxAmount { amount } total { amount } } timeline { fromStatus status note } invoice { id status amountDue { amount } }"""
OFFER_FIELDS = f"""id number state currencyCode subtotal {{ amount currencyCode }} taxTotal {{ amount }}
  total {{ amount currencyCode }} validUntil note createdAt acceptedAt rejectedAt rejectionReason expiredAt paidAt
  pdfUrl customer {{ id }}
  lines {{ sku name quantity unitPrice {{ amount }} taxRateBp taxRate taxAmount {{ amount }} total {{ amount }} }}
  order {{ {ORDER_FIELDS} }}"""
CREATE_OFFER = (
    f"""mutation($i: CreateOfferInput!) {{ createOffer(input: $i) {{ offer {{ {OFFER_FIELDS} }} {ERRORS} }} }}"""
)
ACCEPT_OFFER = (
    f"""mutation($i: AcceptOfferInput!) {{ acceptOffer(input: $i) {{ offer {{ {OFFER_FIELDS} }} {ERRORS} }} }}"""
)
REJECT_OFFER = (
    f"""mutation($i: RejectOfferInput!) {{ rejectOffer(input: $i) {{ offer {{ {OFFER_FIELDS} }} {ERRORS} }} }}"""
)
PAY_OFFER = f"""mutation($i: PayOfferInput!) {{ payOffer(input: $i) {{ replayed
  payment {{ id status source method amount {{ amount currencyCode }} receiptNumber }}
  invoice {{ id status amountDue {{ amount }} }} offer {{ id state paidAt order {{ id status }} }} {ERRORS} }} }}"""
OFFER_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Offer {{ {OFFER_FIELDS} }} }} }}"
STAFF_OFFERS = """query($first: Int, $after: String, $filter: OfferFilter) { offers(first: $first, after: $after, filter: $filter) {
  edges { node { id number state customer { id } } } pageInfo { hasNextPage endCursor } } }"""
MY_OFFERS = """query($filter: CustomerOfferFilter) { me { offers(filter: $filter) {
  edges { node { id number state total { amount } } } } } }"""


def in_days(days: float) -> datetime:
    return (utcnow() + timedelta(days=days)).replace(microsecond=0)


def offer_input(customer: Caller, **changes: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "customerId": customer.gid,
        "currency": "EUR",
        "validUntil": in_days(14).isoformat(),
        "note": "Prices include setup.",
        "lines": [
            {"sku": "MUG-001", "name": "Mug", "quantity": 2, "unitPrice": "14.50", "taxRateBp": 1900},
            {"sku": "TEE-1", "name": "T-shirt", "quantity": 1, "unitPrice": "29.00", "taxRateBp": 700},
        ],
    }
    value.update(changes)
    return value


async def create_offer(api: Api, staff: Caller, customer: Caller, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.ok(CREATE_OFFER, {"i": offer_input(customer, **changes)}, token=staff.token))[
        "createOffer"
    ]
    return payload


async def new_offer(api: Api, staff: Caller, customer: Caller, **changes: Any) -> dict[str, Any]:
    payload = await create_offer(api, staff, customer, **changes)
    assert payload["userErrors"] == [], payload
    offer: dict[str, Any] = payload["offer"]
    return offer


async def accept(api: Api, caller: Caller, offer_id: str, revision: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"offerId": offer_id} if revision is None else {"offerId": offer_id, "revision": revision}
    payload: dict[str, Any] = (await api.ok(ACCEPT_OFFER, {"i": values}, token=caller.token))["acceptOffer"]
    return payload


async def reject(api: Api, caller: Caller, offer_id: str, reason: str = "Too expensive") -> dict[str, Any]:
    variables = {"i": {"offerId": offer_id, "reason": reason}}
    payload: dict[str, Any] = (await api.ok(REJECT_OFFER, variables, token=caller.token))["rejectOffer"]
    return payload


async def pay_offer(api: Api, caller: Caller, offer_id: str, key: str, **source: Any) -> dict[str, Any]:
    variables = {"i": {"offerId": offer_id, "idempotencyKey": key, **source}}
    payload: dict[str, Any] = (await api.ok(PAY_OFFER, variables, token=caller.token))["payOffer"]
    return payload


async def offer_node(api: Api, caller: Caller, offer_id: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = (await api.ok(OFFER_NODE, {"id": offer_id}, token=caller.token))["node"]
    return node


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]
